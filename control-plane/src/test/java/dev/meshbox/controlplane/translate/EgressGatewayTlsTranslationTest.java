package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's egress gateway task, HTTPS pattern, as resources: sleep's sidecar sends TLS for edition.cnn.com by SNI to
 * the egress gateway's subset cnn on 443 without wrapping it in auto mTLS (the gateway routes by the client's SNI),
 * and the gateway's PASSTHROUGH server hands it by SNI to the ServiceEntry's cluster.
 */
class EgressGatewayTlsTranslationTest {

    private static final Pod SLEEP = new Pod(
            "sleep-1",
            "default",
            "127.10.0.1",
            "127.20.0.1",
            Map.of("app", "sleep"),
            Pod.ProxyKind.SIDECAR,
            true,
            "sleep");
    private static final Pod EGRESS = new Pod(
            "istio-egressgateway-1",
            "istio-system",
            "127.10.0.2",
            "127.10.0.2",
            Map.of("app", "istio-egressgateway", "istio", "egressgateway", "security.istio.io/tlsMode", "istio"),
            Pod.ProxyKind.GATEWAY,
            true,
            "istio-egressgateway-service-account");
    private static final String GATEWAY_CLUSTER = "outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local";

    private static final String TASK = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cnn}
            spec:
              hosts: [edition.cnn.com]
              ports:
              - {number: 443, name: tls, protocol: TLS}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: istio-egressgateway}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 443, name: tls, protocol: TLS}
                hosts: [edition.cnn.com]
                tls: {mode: PASSTHROUGH}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: egressgateway-for-cnn}
            spec:
              host: istio-egressgateway.istio-system.svc.cluster.local
              subsets:
              - name: cnn
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: direct-cnn-through-egress-gateway}
            spec:
              hosts: [edition.cnn.com]
              gateways: [mesh, istio-egressgateway]
              tls:
              - match: [{gateways: [mesh], port: 443, sniHosts: [edition.cnn.com]}]
                route:
                - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, port: {number: 443}}
              - match: [{gateways: [istio-egressgateway], port: 443, sniHosts: [edition.cnn.com]}]
                route:
                - destination: {host: edition.cnn.com, port: {number: 443}}
                  weight: 100
            """;

    private static MeshView view() {
        ServiceRegistry r = new ServiceRegistry();
        r.putService(new MeshService(
                "istio-egressgateway",
                "istio-system",
                List.of(ServicePort.of("http2", 80, 8080, null), ServicePort.of("https", 443, 8443, null)),
                Map.of("istio", "egressgateway")));
        r.putPod(SLEEP);
        r.putPod(EGRESS);
        ConfigStore store = new ConfigStore();
        assertThat(store.apply("egress-gateway-tls.yaml", TASK).problems()).isEmpty();
        return new MeshView(store.snapshot(), r.snapshot(), MeshView.MeshSecurity.AUTO_MTLS);
    }

    @Test
    void theSidecarSendsTheClientsTlsBySniToTheGatewaysSubsetUnwrapped() {
        XdsResources sleep = Translator.translate(view(), SLEEP);

        Listener l = L4RoutesTranslationTest.listener(sleep, "0.0.0.0_443");
        FilterChain cnn = l.getFilterChainsList().stream()
                .filter(c -> c.getFilterChainMatch().getServerNamesList().contains("edition.cnn.com"))
                .findFirst()
                .orElseThrow();
        assertThat(L4RoutesTranslationTest.tcpProxy(cnn).getCluster()).isEqualTo(GATEWAY_CLUSTER);
        Cluster c = sleep.clusters().stream()
                .filter(x -> x.getName().equals(GATEWAY_CLUSTER))
                .findFirst()
                .orElseThrow();
        assertThat(c.getTransportSocketMatchesList()).isEmpty();
        assertThat(c.hasTransportSocket()).isFalse();
    }

    @Test
    void theGatewaysPassthroughServerHandsTheSniToTheEntrysCluster() {
        XdsResources gateway = Translator.translate(view(), EGRESS);

        Listener l = L4RoutesTranslationTest.listener(gateway, "0.0.0.0_8443");
        assertThat(l.getFilterChains(0).getFilterChainMatch().getServerNamesList())
                .containsExactly("edition.cnn.com");
        assertThat(L4RoutesTranslationTest.tcpProxy(l.getFilterChains(0)).getCluster())
                .isEqualTo("outbound|443||edition.cnn.com");
    }
}
