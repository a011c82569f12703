package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.GatewayApi;
import dev.meshbox.controlplane.config.ResourceKey;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Gateway API Gateway gets its {@code <name>-istio} Deployment and Service in the cluster, and loses them with it. */
@EnableKubernetesMockClient(crud = true)
class KubeGatewayDeploymentsTest {

    KubernetesClient client;

    private static final String GATEWAY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: bookinfo-gateway
              namespace: shop
            spec:
              gatewayClassName: istio
              listeners:
              - {name: http, port: 80, protocol: HTTP}
              - {name: alt, port: 9000, protocol: HTTP}
            """;

    @Test
    void aGatewayIsDeployedAsItsNameDashIstioAndRemovedWithIt() {
        ConfigStore store = new ConfigStore();
        KubeGatewayDeployments deployments =
                new KubeGatewayDeployments(client, store, "meshbox:test", "istiod.istio-system.svc:15010");
        assertThat(store.apply("gateway.yaml", GATEWAY).problems()).isEmpty();
        deployments.reconcile();

        Deployment d = client.apps()
                .deployments()
                .inNamespace("shop")
                .withName("bookinfo-gateway-istio")
                .get();
        assertThat(d).isNotNull();
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway")
                .containsEntry("sidecar.istio.io/inject", "false");
        var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("meshbox:test");
        assertThat(container.getCommand()).contains("gateway", "shop", "istiod.istio-system.svc:15010");
        assertThat(container.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(8080, 9000);

        Service s = client.services()
                .inNamespace("shop")
                .withName("bookinfo-gateway-istio")
                .get();
        assertThat(s.getSpec().getSelector())
                .containsEntry("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway");
        assertThat(s.getSpec().getPorts())
                .extracting(p -> p.getPort() + "->" + p.getTargetPort().getIntVal())
                .containsExactly("80->8080", "9000->9000");

        store.delete(List.of(new ResourceKey(GatewayApi.GATEWAY_KEY_KIND, "shop", "bookinfo-gateway")));
        deployments.reconcile();
        assertThat(client.apps()
                        .deployments()
                        .inNamespace("shop")
                        .withName("bookinfo-gateway-istio")
                        .get())
                .isNull();
        assertThat(client.services()
                        .inNamespace("shop")
                        .withName("bookinfo-gateway-istio")
                        .get())
                .isNull();
    }

    @Test
    void aGatewayOfAnotherClassIsLeftToItsController() {
        ConfigStore store = new ConfigStore();
        store.apply("gateway.yaml", GATEWAY.replace("gatewayClassName: istio", "gatewayClassName: other"));
        new KubeGatewayDeployments(client, store, "meshbox:test", "istiod:15010").reconcile();
        assertThat(client.apps().deployments().inAnyNamespace().list().getItems())
                .isEmpty();
    }
}
