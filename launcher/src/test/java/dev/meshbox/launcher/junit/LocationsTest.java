package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.scenarios.Scenario;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenario files and YAML from the classpath, whether in a folder or packed in a jar. */
class LocationsTest {

    private static final String SCENARIO = """
            name: packed
            workloads: [httpbin, sleep]
            steps:
              - name: apply
                config:
                  - file: istio/dr.yaml
            """;

    @Test
    void aScenarioInAJarReadsItsConfigFilesFromTheJar(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("scenarios.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "sc/packed.yaml", SCENARIO);
            put(out, "sc/istio/dr.yaml", "kind: DestinationRule\n");
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Scenario s = Locations.scenario("classpath:sc/packed.yaml", loader);
            assertThat(s.name()).isEqualTo("packed");
            assertThat(s.steps().get(0).config())
                    .singleElement()
                    .satisfies(c -> assertThat(c.text()).contains("DestinationRule"));
            assertThat(Locations.read("classpath:/sc/istio/dr.yaml", loader).text())
                    .isEqualTo("kind: DestinationRule\n");
        }
    }

    @Test
    void aMissingResourceSaysWhereToPutIt() {
        assertThatThrownBy(() ->
                        Locations.read("classpath:istio/nope.yaml", getClass().getClassLoader()))
                .hasMessage(
                        "classpath:istio/nope.yaml: no such resource on the test classpath (put it under src/test/resources/istio/nope.yaml)");
        assertThatThrownBy(() -> Locations.read("istio/nope.yaml", getClass().getClassLoader()))
                .hasMessageContaining("istio/nope.yaml: no such file")
                .hasMessageContaining("classpath:istio/nope.yaml");
    }

    private static void put(JarOutputStream out, String name, String text) throws IOException {
        out.putNextEntry(new JarEntry(name));
        OutputStream o = out;
        o.write(text.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }
}
