package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.config.ResourceMeta;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayDeploymentsTest {

    private static KubeGateway gateway(String name, String className, int... ports) {
        List<KubeGateway.Listener> listeners = Arrays.stream(ports)
                .mapToObj(p -> new KubeGateway.Listener(
                        "http-" + p, Optional.empty(), p, "HTTP", KubeGateway.RoutesFrom.SAME, List.of()))
                .toList();
        return new KubeGateway(
                new ResourceMeta("Gateway", "gateway.networking.k8s.io/v1", name, "default", "test.yaml"),
                "",
                className,
                listeners);
    }

    @Test
    void aNewIstioGatewayIsAddedAndAnotherClassIsLeftAlone() {
        KubeGateway istio = gateway("bookinfo-gateway", "istio", 80);
        GatewayDeployments.Diff diff =
                GatewayDeployments.diff(Map.of(), List.of(istio, gateway("other", "envoy-gateway", 80)));
        assertThat(diff.added()).containsExactly(istio);
        assertThat(diff.removed()).isEmpty();
        assertThat(diff.changed()).isEmpty();
    }

    @Test
    void aDeletedGatewayIsRemovedAndAnUnchangedOneIsNoChange() {
        KubeGateway kept = gateway("kept", "istio", 80);
        GatewayDeployments.Diff diff = GatewayDeployments.diff(
                Map.of("default/kept", kept, "default/gone", gateway("gone", "istio", 80)), List.of(kept));
        assertThat(diff.removed()).containsExactly("default/gone");
        assertThat(diff.added()).isEmpty();
        assertThat(diff.changed()).isEmpty();
        assertThat(GatewayDeployments.diff(Map.of("default/kept", kept), List.of(kept))
                        .isEmpty())
                .isTrue();
    }

    @Test
    void aNewListenerPortChangesTheService() {
        KubeGateway before = gateway("bookinfo-gateway", "istio", 80);
        KubeGateway after = gateway("bookinfo-gateway", "istio", 80, 8000);
        GatewayDeployments.Diff diff =
                GatewayDeployments.diff(Map.of("default/bookinfo-gateway", before), List.of(after));
        assertThat(diff.changed()).containsExactly(after);
        assertThat(GatewayDeployments.service(after).ports())
                .extracting(p -> p.port() + ":" + p.targetPort())
                .containsExactly("80:8080", "8000:8000");
        assertThat(GatewayDeployments.service(after).name()).isEqualTo("bookinfo-gateway-istio");
    }

    @Test
    void podsCarryTheLabelsOfIstiosDeploymentTemplate() {
        assertThat(GatewayDeployments.labels(gateway("bookinfo-gateway", "istio", 80)))
                .containsEntry("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway")
                .containsEntry("istio.io/gateway-name", "bookinfo-gateway")
                .containsEntry("service.istio.io/canonical-name", "bookinfo-gateway-istio");
        assertThat(GatewayDeployments.podName(gateway("bookinfo-gateway", "istio", 80)))
                .startsWith("bookinfo-gateway-istio-");
    }
}
