package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.Backends;
import dev.meshbox.launcher.docker.DockerCondition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every scenario shipped in scenarios/ passes with {@code meshbox run}, as a user runs it, on every backend. */
class ShippedScenariosIT {

    static Stream<Arguments> scenarios() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("scenarios");
        try (Stream<Path> files = Files.list(dir)) {
            var list = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            return Stream.of(Backends.LOCAL, Backends.DOCKER).flatMap(b -> list.stream().map(f -> Arguments.of(b, f)));
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("scenarios")
    void passesWithMeshboxRun(String backend, Path scenario) {
        if (backend.equals(Backends.DOCKER)) {
            DockerCondition.assumeDocker();
        }
        CliIT.Run r = CliIT.meshbox("run", "--backend", backend, scenario.toString());
        assertThat(r.exit()).as("meshbox run --backend %s %s%n%s%s", backend, scenario.getFileName(), r.out(), r.err()).isZero();
        assertThat(r.out()).contains("PASS ");
    }
}
