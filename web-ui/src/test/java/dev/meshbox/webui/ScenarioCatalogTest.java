package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioCatalogTest {

    private static final String MINE = """
            name: my-canary
            description: checkout v2 gets a fifth
            workloads: [bookinfo, fortio]
            steps:
              - traffic: {path: /productpage, count: 5}
            """;

    @Test
    void listsTheBuiltInScenariosFromTheJarWithTheirIstioFiles() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            List<ScenarioCatalog.Entry> all = c.list(w -> List.of());

            assertThat(all)
                    .extracting(ScenarioCatalog.Entry::id)
                    .contains("builtin:canary-90-10", "builtin:circuit-breaker", "builtin:mirroring");
            assertThat(all).allSatisfy(e -> assertThat(e.problems()).as(e.id()).isNull());
            assertThat(Files.exists(c.bundledDir().resolve("istio/virtual-service-reviews-90-10.yaml")))
                    .isTrue();
            assertThat(c.load(c.file("builtin:canary-90-10").orElseThrow())
                            .steps()
                            .get(0)
                            .config())
                    .hasSize(2);
        }
    }

    @Test
    void userFilesAreListedBesideThemAndCopiesOfBuiltInOnesAreNot(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mine.yaml"), MINE);
        Files.writeString(dir.resolve("broken.yaml"), "name: broken\nsteps: 3\n");
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.of(dir))) {
            Files.copy(c.bundledDir().resolve("canary-90-10.yaml"), dir.resolve("canary-90-10.yaml"));

            List<ScenarioCatalog.Entry> users = c.list(w -> List.of("fortio")).stream()
                    .filter(e -> e.source().equals("user"))
                    .toList();

            assertThat(users)
                    .extracting(ScenarioCatalog.Entry::id)
                    .containsExactly("user:broken.yaml", "user:mine.yaml");
            ScenarioCatalog.Entry mine = users.get(1);
            assertThat(mine.name()).isEqualTo("my-canary");
            assertThat(mine.workloads()).containsExactly("bookinfo", "fortio");
            assertThat(mine.missing()).containsExactly("fortio");
            assertThat(users.get(0).problems()).contains("steps").contains("must be a non-empty list");
        }
    }

    @Test
    void anIdCannotReachOutsideItsFolder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mine.yaml"), MINE);
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.of(dir.resolve("sub")))) {
            assertThat(c.file("user:../mine.yaml")).isEmpty();
            assertThat(c.file("builtin:../../etc/passwd")).isEmpty();
            assertThat(c.file("builtin:no-such")).isEmpty();
            assertThat(c.file("other:canary-90-10")).isEmpty();
        }
    }
}
