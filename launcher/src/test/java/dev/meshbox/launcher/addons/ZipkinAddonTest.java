package dev.meshbox.launcher.addons;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.scenarios.Scenario;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ZipkinAddonTest {

    @Test
    void demoSamplingSetsOneHundredPercentAndKeepsTheRest() {
        String yaml = ZipkinAddon.demoSampling(
                "mesh.yaml", Optional.of("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\nenableTracing: true\n"));

        assertThat(yaml)
                .contains("mode: \"REGISTRY_ONLY\"")
                .contains("enableTracing: true")
                .contains("sampling: 100.0");
    }

    @Test
    void demoSamplingKeepsAnExplicitSampling() {
        String yaml =
                ZipkinAddon.demoSampling("mesh.yaml", Optional.of("defaultConfig:\n  tracing:\n    sampling: 2.5\n"));

        assertThat(yaml).contains("sampling: 2.5").doesNotContain("100");
    }

    @Test
    void upTracingGivesTheControlPlaneOneHundredPercentSampling() {
        assertThat(Addons.tracingMeshConfig("up --tracing", Optional.empty())
                        .tracing()
                        .sampling())
                .isEqualTo(100.0);
        assertThat(Addons.tracingMeshConfig("mesh.yaml", Optional.of("defaultConfig:\n  tracing:\n    sampling: 10\n"))
                        .tracing()
                        .sampling())
                .isEqualTo(10.0);
    }

    @Test
    void demoSamplingWithoutAMeshConfig() {
        assertThat(ZipkinAddon.demoSampling("up --tracing", Optional.empty())).contains("sampling: 100.0");
    }

    @Test
    void aTracingFieldThatIsNotAnObjectIsNamed() {
        assertThatThrownBy(() -> ZipkinAddon.demoSampling("mesh.yaml", Optional.of("defaultConfig:\n  tracing: on\n")))
                .hasMessage("mesh.yaml: defaultConfig.tracing: must be an object");
    }

    @Test
    void inContainersZipkinIsItsJarOnDockerAndIstiosImageOnACluster() {
        MeshSpec base = MeshSpec.of(List.of(new Scenario.Builtin("sleep")));
        PodSpec forUp =
                new ZipkinAddon(Path.of("z.jar"), true).addTo(base).pods().get(0);
        PodSpec forTests =
                new ZipkinAddon(Path.of("z.jar"), false).addTo(base).pods().get(0);

        assertThat(forUp.container()).isInstanceOfSatisfying(PodSpec.HostJar.class, j -> {
            assertThat(j.jar()).isEqualTo(Path.of("z.jar"));
            assertThat(j.args()).containsExactly("--zipkin.storage.type=mem");
            assertThat(j.hostPort()).isEqualTo(9411);
        });
        assertThat(((PodSpec.HostJar) forTests.container()).hostPort()).isZero();

        MeshSpec cluster =
                ZipkinAddon.forCluster(new ZipkinAddon(Path.of("z.jar"), false).addTo(base), ZipkinAddon.CLUSTER_IMAGE);
        assertThat(cluster.pods().get(0).container())
                .isEqualTo(new PodSpec.ImageApp(
                        "openzipkin/zipkin-slim:3.5.1",
                        java.util.Map.of("STORAGE_METHOD", "mem", "QUERY_PORT", "9411")));
        assertThat(cluster.services()).extracting(s -> s.name()).contains("zipkin");
        assertThat(ZipkinAddon.forCluster(base, ZipkinAddon.CLUSTER_IMAGE)).isSameAs(base);
    }

    @Test
    void theDockerAddressIsThePublishedPort() {
        ZipkinAddon zipkin = new ZipkinAddon(Path.of("z.jar"), false);
        PodSpec pod = zipkin.addTo(MeshSpec.of(List.of(new Scenario.Builtin("sleep"))))
                .pods()
                .get(0);
        assertThat(zipkin.url()).isEmpty();

        ((PodSpec.HostJar) pod.container()).published().accept(new InetSocketAddress("127.0.0.1", 32768));

        assertThat(zipkin.url()).contains("http://127.0.0.1:32768/zipkin/");
    }

    @Test
    void zipkinIsIstiosServiceAndAPodWithoutASidecarInIstioSystem() {
        MeshSpec spec = new ZipkinAddon(Path.of("zipkin.jar"), false)
                .addTo(MeshSpec.of(List.of(new Scenario.Builtin("sleep"))));

        assertThat(spec.services())
                .filteredOn(s -> s.name().equals("zipkin"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.namespace()).isEqualTo("istio-system");
                    assertThat(s.ports()).singleElement().satisfies(p -> {
                        assertThat(p.port()).isEqualTo(9411);
                        assertThat(p.protocol()).isEqualTo("HTTP");
                    });
                });
        PodSpec pod = spec.pods().get(0);
        assertThat(pod.labels()).containsEntry("app", "zipkin");
        assertThat(pod.namespace()).isEqualTo("istio-system");
        assertThat(pod.sidecar()).isFalse();
        assertThat(pod.containerPort()).isEqualTo(9411);
    }

    @Test
    void zipkinListensOnlyWhereItIsTold() {
        ZipkinServer server = new ZipkinServer(
                Path.of("zipkin.jar"),
                List.of(new InetSocketAddress("127.0.0.1", 9411), new InetSocketAddress("127.9.0.3", 9411)));

        assertThat(server.command())
                .contains("-Xmx256m", "-XX:TieredStopAtLevel=1", "--zipkin.storage.type=mem")
                .contains("--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].port=9411")
                .contains("--armeria.ports[1].ip=127.9.0.3", "--armeria.ports[1].protocols=http");
        assertThat(server.url()).isEqualTo("http://127.0.0.1:9411/zipkin/");
    }
}
