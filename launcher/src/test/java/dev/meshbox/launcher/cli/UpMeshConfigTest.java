package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code up --mesh-config}: a bad mesh config is a bad argument naming the file and the field, before anything starts. */
class UpMeshConfigTest {

    @TempDir
    Path dir;

    private String up(String... args) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(err, true))
                .execute(args);
        assertThat(exit).as(err.toString()).isEqualTo(2);
        return err.toString();
    }

    @Test
    void aProviderWithoutAPortIsNamedWithItsFileAndField() throws Exception {
        Path mesh = Files.writeString(dir.resolve("mesh.yaml"), """
                extensionProviders:
                - name: sample-ext-authz-http
                  envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local}
                """);

        assertThat(up("--mesh-config", mesh.toString()))
                .contains("--mesh-config " + mesh + ": extensionProviders[0].envoyExtAuthzHttp.port: must be a port");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThat(up("--mesh-config", dir.resolve("nope.yaml").toString()))
                .contains("nope.yaml: cannot read the mesh config");
    }

    @Test
    void withTracingABadSamplingIsStillNamedWithItsFileAndField() throws Exception {
        Path mesh = Files.writeString(dir.resolve("mesh.yaml"), "defaultConfig:\n  tracing:\n    sampling: 250\n");

        assertThat(up("--tracing", "--mesh-config", mesh.toString()))
                .contains("--mesh-config " + mesh + ": defaultConfig.tracing.sampling: must be a number in range");
    }
}
