package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every scenario shipped in scenarios/ passes with {@code meshbox run}, as a user runs it. */
class ShippedScenariosIT {

    static Stream<Path> scenarios() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("scenarios");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void passesWithMeshboxRun(Path scenario) {
        CliIT.Run r = CliIT.meshbox("run", scenario.toString());
        assertThat(r.exit()).as("meshbox run %s%n%s%s", scenario.getFileName(), r.out(), r.err()).isZero();
        assertThat(r.out()).contains("PASS ");
    }
}
