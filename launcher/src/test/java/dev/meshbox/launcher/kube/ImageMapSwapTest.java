package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An image name swapped by FROM=TO rules, matched as written and as Docker reads a name without a registry. */
class ImageMapSwapTest {

    private static final Map<String, String> HUB = Map.of("docker.io/", "mirror.example.com/hub/");

    @Test
    void aNameWithoutARegistryIsADockerHubName() {
        assertThat(ImageMap.swap(HUB, "prom/prometheus:v3.5.0"))
                .isEqualTo("mirror.example.com/hub/prom/prometheus:v3.5.0");
        assertThat(ImageMap.swap(HUB, "busybox:1.36")).isEqualTo("mirror.example.com/hub/library/busybox:1.36");
        assertThat(ImageMap.swap(HUB, "docker.io/istio/examples-bookinfo-details-v1:1.20"))
                .isEqualTo("mirror.example.com/hub/istio/examples-bookinfo-details-v1:1.20");
    }

    @Test
    void anotherRegistrysNameIsLeftAlone() {
        assertThat(ImageMap.swap(HUB, "quay.io/prometheus/prometheus")).isEqualTo("quay.io/prometheus/prometheus");
        assertThat(ImageMap.swap(HUB, "localhost/meshbox:1")).isEqualTo("localhost/meshbox:1");
        assertThat(ImageMap.swap(HUB, "registry:5000/meshbox:1")).isEqualTo("registry:5000/meshbox:1");
    }

    @Test
    void theFirstMatchingRuleWinsAndAWholeNameMatchesOnlyItself() {
        Map<String, String> rules = new LinkedHashMap<>();
        rules.put("openzipkin/zipkin-slim:3.4.3", "mirror.example.com/zipkin:pinned");
        rules.put("openzipkin/", "mirror.example.com/openzipkin/");
        rules.put("docker.io/", "mirror.example.com/hub/");

        assertThat(ImageMap.swap(rules, "openzipkin/zipkin-slim:3.4.3")).isEqualTo("mirror.example.com/zipkin:pinned");
        assertThat(ImageMap.swap(rules, "openzipkin/zipkin:3")).isEqualTo("mirror.example.com/openzipkin/zipkin:3");
        assertThat(ImageMap.swap(rules, "prom/prometheus")).isEqualTo("mirror.example.com/hub/prom/prometheus");
        assertThat(ImageMap.swap(Map.of(), "prom/prometheus")).isEqualTo("prom/prometheus");
    }

    @Test
    void theProjectsPlaceholderIsMeshBoxsImageNotADockerHubName() {
        String manifest = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: echo
                spec:
                  template:
                    spec:
                      containers:
                        - name: echo
                          image: meshbox/meshbox:latest
                        - name: cache
                          image: redis:7
                """;

        ImageMap.Result r = new ImageMap("registry.example.com/meshbox:1", false, HUB).apply("echo.yaml", manifest);

        assertThat(r.yaml())
                .contains("image: registry.example.com/meshbox:1")
                .contains("image: mirror.example.com/hub/library/redis:7");
    }
}
