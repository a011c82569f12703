package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.scenarios.Scenario;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** How {@code @MeshTest} and the meshbox.* properties become a mesh, and how mistakes in them are reported. */
class MeshSettingsTest {

    private static final Function<String, Optional<String>> NO_PROPERTIES = key -> Optional.empty();

    @MeshTest
    static final class Defaults {}

    @MeshTest(
            workloads = {"httpbin", "sleep"},
            seed = 42)
    static final class Httpbin {}

    @MeshTest(backend = "nomad")
    static final class Nomad {}

    @MeshTest(backend = MeshTest.KUBERNETES, kubeconfig = "build/kind.kubeconfig")
    static final class OnACluster {}

    @MeshTest(workloads = "bookinf")
    static final class Typo {}

    @MeshTest(kubernetes = "classpath:no-such-file.yaml")
    static final class MissingYaml {}

    @MeshTest(kubernetes = "classpath:junit/slow-typo.yaml")
    static final class BadAnnotation {}

    private static MeshSettings settings(Class<?> c, Map<String, String> properties) {
        return MeshSettings.of(c.getAnnotation(MeshTest.class), c, key -> Optional.ofNullable(properties.get(key)));
    }

    @Test
    void withoutWorkloadsTheMeshRunsBookinfoLocallyUnseeded() {
        MeshSettings s = settings(Defaults.class, Map.of());
        assertThat(s.workloads()).containsExactly(new Scenario.Builtin("bookinfo"));
        assertThat(s.backend()).isEqualTo("local");
        assertThat(s.seed()).isEmpty();
    }

    @Test
    void theAnnotationsSeedWinsOverTheProperty() {
        MeshSettings s = settings(Httpbin.class, Map.of("meshbox.seed", "7"));
        assertThat(s.workloads()).containsExactly(new Scenario.Builtin("httpbin"), new Scenario.Builtin("sleep"));
        assertThat(s.seed()).isEqualTo(OptionalLong.of(42));
        assertThat(settings(Defaults.class, Map.of("meshbox.seed", "7")).seed()).isEqualTo(OptionalLong.of(7));
    }

    @Test
    void anUnknownBackendInTheAnnotationNamesTheAttributeAndTheValidOnes() {
        assertThatThrownBy(() -> settings(Nomad.class, Map.of()))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("@MeshTest(backend = \"nomad\") on " + Nomad.class.getName())
                .hasMessageContaining("unknown backend \"nomad\"; valid backends: local, docker, k3s, kubernetes");
    }

    @Test
    void aKubernetesMeshTakesItsKubeconfigFromTheAnnotationElseTheProperty() {
        MeshSettings s = settings(
                OnACluster.class,
                Map.of("meshbox.kubeconfig", "ignored", "meshbox.image", "registry.example.com/meshbox:1"));
        assertThat(s.backend()).isEqualTo("kubernetes");
        assertThat(s.target().kubeconfig()).contains(java.nio.file.Path.of("build/kind.kubeconfig"));
        assertThat(s.target().image()).contains("registry.example.com/meshbox:1");
        MeshSettings k3s = settings(Defaults.class, Map.of("meshbox.backend", "k3s", "meshbox.kubeconfig", "/tmp/k"));
        assertThat(k3s.target().backend()).isEqualTo("k3s");
        assertThat(k3s.target().kubeconfig()).contains(java.nio.file.Path.of("/tmp/k"));
    }

    @Test
    void theImageMapPropertyIsCommaSeparatedRulesAndABadOneIsNamed() {
        MeshSettings s = settings(
                OnACluster.class,
                Map.of(
                        "meshbox.imageMap",
                        "openzipkin/=mirror.example.com/zipkin/, docker.io/=mirror.example.com/hub/"));
        assertThat(s.target().imageMap())
                .containsExactly(
                        Map.entry("openzipkin/", "mirror.example.com/zipkin/"),
                        Map.entry("docker.io/", "mirror.example.com/hub/"));
        assertThat(s.target().pulled("openzipkin/zipkin-slim:3")).isEqualTo("mirror.example.com/zipkin/zipkin-slim:3");

        assertThatThrownBy(() -> settings(OnACluster.class, Map.of("meshbox.imageMap", "mirror.example.com/")))
                .hasMessageContaining("-Dmeshbox.imageMap: --image-map mirror.example.com/: expected FROM=TO");
    }

    @Test
    void anUnknownBackendPropertyNamesTheProperty() {
        assertThatThrownBy(() -> settings(Defaults.class, Map.of("meshbox.backend", "podman")))
                .hasMessageContaining("-Dmeshbox.backend=podman")
                .hasMessageContaining("unknown backend \"podman\"; valid backends: local, docker, k3s, kubernetes");
        assertThat(settings(Defaults.class, Map.of("meshbox.backend", "local")).backend())
                .isEqualTo("local");
        assertThat(settings(Defaults.class, Map.of("meshbox.backend", "docker")).backend())
                .isEqualTo("docker");
    }

    @Test
    void aSeedPropertyThatIsNotANumberIsReported() {
        assertThatThrownBy(() -> settings(Defaults.class, Map.of("meshbox.seed", "forty-two")))
                .hasMessage("-Dmeshbox.seed=forty-two: expected an integer such as 42");
    }

    @Test
    void anUnknownWorkloadListsTheBuiltInOnes() {
        assertThatThrownBy(() -> settings(Typo.class, Map.of()))
                .hasMessageContaining(
                        "workloads: \"bookinf\": unknown workload \"bookinf\"; expected one of [bookinfo,"
                                + " cnn, fortio, grpc-echo, helloworld, helloworld-v1, helloworld-v2, httpbin, httpbin-v2, sleep, tcp-echo], optionally in a namespace as NAME.NAMESPACE")
                .hasMessageContaining("kubernetes = \"classpath:");
    }

    @MeshTest(
            workloads = {"httpbin.foo", "sleep.foo"},
            withoutSidecar = "sleep.legacy")
    static final class SecurityTask {}

    @MeshTest(
            workloads = "sleep.legacy",
            withoutSidecar = {"sleep.legacy", "bookinfo"})
    static final class Twice {}

    @Test
    void workloadsTakeANamespaceAndWithoutSidecarListsThePodsIstioDidNotInject() {
        assertThat(settings(SecurityTask.class, Map.of()).workloads())
                .containsExactly(
                        new Scenario.Builtin("httpbin", "foo", Optional.empty(), true),
                        new Scenario.Builtin("sleep", "foo", Optional.empty(), true),
                        new Scenario.Builtin("sleep", "legacy", Optional.empty(), false));
        assertThatThrownBy(() -> settings(Twice.class, Map.of()))
                .hasMessageContaining("withoutSidecar: \"bookinfo\": bookinfo runs with sidecars only");
    }

    @Test
    void aMissingKubernetesFileSaysWhereToPutIt() {
        assertThatThrownBy(() -> settings(MissingYaml.class, Map.of()))
                .hasMessageContaining(
                        "@MeshTest on " + MissingYaml.class.getName() + ": kubernetes: classpath:no-such-file.yaml: "
                                + "no such resource on the test classpath (put it under src/test/resources/no-such-file.yaml)");
    }

    @Test
    void aProblemInTheKubernetesYamlNamesTheFileAndField() {
        assertThatThrownBy(() -> settings(BadAnnotation.class, Map.of()))
                .hasMessageContaining("@MeshTest on " + BadAnnotation.class.getName() + ": kubernetes: ")
                .hasMessageContaining("classpath:junit/slow-typo.yaml")
                .hasMessageContaining("spec.template.metadata.annotations")
                .hasMessageContaining("slow");
    }

    @Test
    void aScenarioMeshTakesTheScenariosSeedAndWorkloads() {
        Scenario scenario = new Scenario(
                "cb",
                "",
                java.nio.file.Path.of("cb.yaml"),
                List.of(new Scenario.Builtin("httpbin"), new Scenario.Builtin("fortio")),
                Optional.of(5L),
                List.of());
        MeshSettings s = MeshSettings.forScenario(
                scenario, Optional.of(Httpbin.class.getAnnotation(MeshTest.class)), Httpbin.class, NO_PROPERTIES);
        assertThat(s.seed()).isEqualTo(OptionalLong.of(5));
        assertThat(s.workloads()).isEqualTo(scenario.workloads());
        assertThat(s.describe()).isEqualTo("httpbin, fortio (seed 5)");
    }

    @MeshTest(workloads = "httpbin", meshConfig = "classpath:junit/mesh-config.yaml")
    static final class WithMeshConfig {}

    @MeshTest(meshConfig = "classpath:junit/bad-mesh-config.yaml")
    static final class WithBadMeshConfig {}

    @MeshTest(backend = MeshTest.DOCKER, meshConfig = "classpath:junit/mesh-config.yaml")
    static final class MeshConfigOnDocker {}

    @MeshTest(backend = MeshTest.K3S, meshConfig = "classpath:junit/mesh-config.yaml")
    static final class MeshConfigOnK3s {}

    @Test
    void aMeshConfigGivesTheMeshItsExtensionProviders() {
        assertThat(settings(WithMeshConfig.class, Map.of()).extensionProviders())
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.name()).isEqualTo("sample-ext-authz-http");
                    assertThat(p.port()).isEqualTo(8000);
                });
        assertThat(settings(Defaults.class, Map.of()).extensionProviders()).isEmpty();
    }

    @Test
    void aBadMeshConfigIsNamedAndEveryBackendTakesAGoodOne() {
        assertThatThrownBy(() -> settings(WithBadMeshConfig.class, Map.of()))
                .hasMessageContaining("@MeshTest on " + WithBadMeshConfig.class.getName() + ": meshConfig:")
                .hasMessageContaining("extensionProviders[0].envoyExtAuthzHttp.port: must be a port");
        assertThat(settings(MeshConfigOnDocker.class, Map.of()).extensionProviders())
                .singleElement()
                .satisfies(p -> assertThat(p.name()).isEqualTo("sample-ext-authz-http"));
        assertThat(settings(MeshConfigOnK3s.class, Map.of()).extensionProviders())
                .singleElement()
                .satisfies(p -> assertThat(p.name()).isEqualTo("sample-ext-authz-http"));
    }

    @MeshTest(workloads = "sleep", tracing = true)
    static final class WithTracing {}

    @MeshTest(backend = MeshTest.DOCKER, tracing = true)
    static final class TracingOnDocker {}

    @MeshTest(backend = MeshTest.KUBERNETES, tracing = true)
    static final class TracingOnKubernetes {}

    @Test
    void tracingRunsZipkinAtTheDemoProfilesSamplingOnTheLocalBackend() {
        MeshSettings s = settings(WithTracing.class, Map.of());

        assertThat(s.tracing()).isTrue();
        assertThat(s.meshConfig().tracing().sampling()).isEqualTo(100.0);
        assertThat(settings(Defaults.class, Map.of()).tracing()).isFalse();
        assertThat(settings(TracingOnDocker.class, Map.of())
                        .meshConfig()
                        .tracing()
                        .sampling())
                .isEqualTo(100.0);
        assertThat(settings(TracingOnKubernetes.class, Map.of()).tracing()).isTrue();
    }
}
