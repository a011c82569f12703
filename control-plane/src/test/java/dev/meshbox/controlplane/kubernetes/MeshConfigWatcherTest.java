package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The mesh config as istiod reads it on Kubernetes, ConfigMap {@code istio-system/istio} key {@code mesh}, against an
 * API server: read at start, a change re-pushes the sidecars (REGISTRY_ONLY's 502 {@code block_all}, ALLOW_ANY's
 * {@code allow_any} to the PassthroughCluster), bad YAML keeps the last good config and says why.
 */
@EnableKubernetesMockClient(crud = true)
class MeshConfigWatcherTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private void meshConfig(String mesh) {
        client.configMaps()
                .inNamespace("istio-system")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("istio")
                        .withNamespace("istio-system")
                        .endMetadata()
                        .addToData("mesh", mesh)
                        .build())
                .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    /** The name of the catch-all virtual host productpage's sidecar is served on port 9080. */
    private static String catchAll(ControlPlane cp) {
        RouteConfiguration rc = cp.resources(BookinfoFixture.PRODUCTPAGE.nodeId()).routes().stream()
                .filter(r -> r.getName().equals("9080"))
                .findFirst()
                .orElseThrow();
        return rc.getVirtualHosts(rc.getVirtualHostsCount() - 1).getName();
    }

    @Test
    void theIstioConfigMapSetsTheOutboundTrafficPolicyAndAChangeIsPushed() throws Exception {
        meshConfig("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");
        try (ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0))) {
            BookinfoFixture.registry().snapshot().services().values().forEach(cp.registry()::putService);
            BookinfoFixture.registry().snapshot().pods().values().forEach(cp.registry()::putPod);
            try (MeshConfigWatcher watcher = new MeshConfigWatcher(
                            client, m -> cp.meshConfig(m.extensionProviders(), m.outboundTrafficPolicy()))
                    .start()) {
                assertThat(cp.security().outboundTrafficPolicy()).isEqualTo(OutboundTrafficPolicy.REGISTRY_ONLY);
                assertThat(catchAll(cp)).isEqualTo("block_all");

                meshConfig("outboundTrafficPolicy: {mode: ALLOW_ANY}\n");
                await("ALLOW_ANY pushed", () -> catchAll(cp).equals("allow_any"));

                meshConfig("outboundTrafficPolicy: {mode: NOPE}\n");
                await("the bad mesh config reported", () -> watcher.problem().isPresent());
                assertThat(watcher.problem().orElseThrow())
                        .contains("ConfigMap istio-system/istio: data.mesh", "outboundTrafficPolicy.mode", "NOPE");
                assertThat(catchAll(cp)).as("the last good mesh config stays").isEqualTo("allow_any");

                meshConfig("outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n");
                await("REGISTRY_ONLY pushed", () -> catchAll(cp).equals("block_all"));
                assertThat(watcher.problem()).isEmpty();

                client.configMaps()
                        .inNamespace("istio-system")
                        .withName("istio")
                        .delete();
                await(
                        "Istio's default (ALLOW_ANY) once the ConfigMap is gone",
                        () -> catchAll(cp).equals("allow_any"));
            }
        }
    }
}
