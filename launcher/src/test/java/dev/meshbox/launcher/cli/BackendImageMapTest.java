package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --image-map FROM=TO} on a Kubernetes backend: the images the cluster pulls besides MeshBox's (Istio's Zipkin
 * and Prometheus addons) come from where the user's rules say, e.g. a mirror of Docker Hub; elsewhere, or malformed,
 * it is a bad argument named before anything starts.
 */
class BackendImageMapTest {

    @Test
    void theAddonsImagesArePulledFromTheMirrorTheRulesName() {
        UpCommand up = new UpCommand();
        new CommandLine(up)
                .parseArgs(
                        "--backend",
                        "kubernetes",
                        "--image-map",
                        "openzipkin/=registry.example.com/zipkin/",
                        "--image-map",
                        "docker.io/=registry.example.com/hub/");

        var target = up.backend.target();
        assertThat(target.pulled(dev.meshbox.launcher.addons.ZipkinAddon.CLUSTER_IMAGE))
                .startsWith("registry.example.com/zipkin/zipkin-slim:");
        assertThat(target.pulled(dev.meshbox.launcher.kube.KubeMesh.PROMETHEUS_IMAGE))
                .isEqualTo("registry.example.com/hub/prom/prometheus:v3.5.0");
        assertThat(target.pulled("quay.io/prometheus/prometheus:v3.5.0"))
                .as("another registry's image: no rule names it")
                .isEqualTo("quay.io/prometheus/prometheus:v3.5.0");
    }

    @Test
    void withoutRulesTheImagesAreIstiosAddonsOwn() {
        UpCommand up = new UpCommand();
        new CommandLine(up).parseArgs("--backend", "kubernetes");

        assertThat(up.backend.target().pulled(dev.meshbox.launcher.kube.KubeMesh.PROMETHEUS_IMAGE))
                .isEqualTo("prom/prometheus:v3.5.0");
    }

    @Test
    void imageMapIsForKubernetesAndABadRuleIsNamed() {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(err, true))
                .execute("--backend", "docker", "--image-map", "docker.io/=registry.example.com/hub/");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--image-map is for --backend kubernetes");

        StringWriter bad = new StringWriter();
        exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(bad, true))
                .execute("--backend", "kubernetes", "--image-map", "registry.example.com/hub/");
        assertThat(exit).isEqualTo(2);
        assertThat(bad.toString())
                .contains("--image-map registry.example.com/hub/: expected FROM=TO (FROM an image, or a prefix ending"
                        + " in /), e.g. docker.io/=registry.example.com/hub/");
    }
}
