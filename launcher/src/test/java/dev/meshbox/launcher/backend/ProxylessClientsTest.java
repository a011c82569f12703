package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.kube.KubeMesh;
import dev.meshbox.scenarios.Scenario;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A {@code {sleep: {grpc: {proxyless: true}}}} workload: a pod without a sidecar whose calls are an xDS client's. */
class ProxylessClientsTest {

    private static final MeshSpec SPEC = MeshSpec.of(List.of(
            new Scenario.Builtin("grpc-echo"),
            new Scenario.Builtin("sleep", "default", Optional.empty(), false, true)));

    private static Pod pod(String app) {
        PodSpec ps = SPEC.pods().stream()
                .filter(p -> app.equals(p.labels().get("app")))
                .findFirst()
                .orElseThrow();
        return new Pod(ps.name(), ps.namespace(), "127.10.0.9", "127.10.0.9", ps.labels(), Pod.ProxyKind.NONE, true);
    }

    @Test
    void theSleepPodIsAProxylessClientWithoutASidecar() {
        InetSocketAddress ads = new InetSocketAddress("127.0.0.1", 15010);
        PodSpec sleep = SPEC.pods().stream()
                .filter(p -> "sleep".equals(p.labels().get("app")))
                .findFirst()
                .orElseThrow();
        assertThat(sleep.sidecar()).isFalse();
        assertThat(ProxylessClients.of(pod("sleep"), SPEC, ads)).hasValueSatisfying(c -> {
            assertThat(c.xdsServer()).isEqualTo(ads);
            assertThat(c.namespace()).isEqualTo("default");
            assertThat(c.bootstrap().toString()).contains("GENERATOR=grpc", "sidecar~127.10.0.9~sleep-");
        });
        assertThat(ProxylessClients.of(pod("echo-grpc"), SPEC, ads)).isEmpty();
    }

    @Test
    void containerBackendsRefuseItByName() {
        assertThatThrownBy(() -> KubeMesh.requireContainers(SPEC))
                .hasMessageContaining("a proxyless gRPC client (sleep-")
                .hasMessageContaining("local backend only");
    }
}
