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
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's egress gateway task (HTTP) as resources: sleep's sidecar routes edition.cnn.com to the egress gateway's
 * subset cnn with auto mTLS checking the gateway's identity, and the gateway takes that mTLS on its HTTP port and
 * routes the host to the ServiceEntry's cluster.
 */
class EgressGatewayTranslationTest {

    private static final String GATEWAY_SA =
            "spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account";
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

    private static final String TASK = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cnn}
            spec:
              hosts: [edition.cnn.com]
              ports:
              - {number: 80, name: http-port, protocol: HTTP}
              - {number: 443, name: https, protocol: HTTPS}
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: istio-egressgateway}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: [edition.cnn.com]
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
              gateways: [istio-egressgateway, mesh]
              http:
              - match: [{gateways: [mesh], port: 80}]
                route:
                - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, port: {number: 80}}
              - match: [{gateways: [istio-egressgateway], port: 80}]
                route:
                - destination: {host: edition.cnn.com, port: {number: 80}}
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
        assertThat(store.apply("egress-gateway.yaml", TASK).problems()).isEmpty();
        return new MeshView(store.snapshot(), r.snapshot(), MeshView.MeshSecurity.AUTO_MTLS);
    }

    private static String cluster(RouteConfiguration rc, String vhost) {
        VirtualHost vh = rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals(vhost))
                .findFirst()
                .orElseThrow();
        return vh.getRoutes(0).getRoute().getCluster();
    }

    @Test
    void theSidecarSendsTheHostToTheGatewaysSubsetOverMutualTlsCheckingTheGatewaysIdentity() throws Exception {
        XdsResources sleep = Translator.translate(view(), SLEEP);

        RouteConfiguration port80 = sleep.routes().stream()
                .filter(rc -> rc.getName().equals("80"))
                .findFirst()
                .orElseThrow();
        String name = "outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local";
        assertThat(cluster(port80, "edition.cnn.com:80")).isEqualTo(name);
        Cluster c = sleep.clusters().stream()
                .filter(x -> x.getName().equals(name))
                .findFirst()
                .orElseThrow();
        Cluster.TransportSocketMatch istio = c.getTransportSocketMatchesList().stream()
                .filter(m -> m.getName().equals("tlsMode-istio"))
                .findFirst()
                .orElseThrow();
        UpstreamTlsContext tls = istio.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("outbound_.80_.cnn_.istio-egressgateway.istio-system.svc.cluster.local");
        assertThat(tls.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getDefaultValidationContext()
                        .getMatchSubjectAltNamesList())
                .extracting(m -> m.getExact())
                .containsExactly(GATEWAY_SA);
    }

    @Test
    void theGatewayTakesIstioMutualTlsBesidePlaintextAndRoutesTheHostToTheEntrysCluster() {
        XdsResources gateway = Translator.translate(view(), EGRESS);

        Listener l = gateway.listeners().stream()
                .filter(x -> x.getName().equals("0.0.0.0_8080"))
                .findFirst()
                .orElseThrow();
        assertThat(l.getFilterChainsList())
                .extracting(fc -> fc.getFilterChainMatch().getTransportProtocol())
                .containsExactly("tls", "raw_buffer");
        FilterChain mtls = l.getFilterChains(0);
        assertThat(mtls.getFilterChainMatch().getApplicationProtocolsList()).contains("istio-http/1.1");
        assertThat(mtls.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
        assertThat(l.getListenerFiltersList())
                .extracting(f -> f.getName())
                .contains("envoy.filters.listener.tls_inspector");
        RouteConfiguration http80 = gateway.routes().stream()
                .filter(rc -> rc.getName().equals("http.80"))
                .findFirst()
                .orElseThrow();
        assertThat(cluster(http80, "edition.cnn.com:80")).isEqualTo("outbound|80||edition.cnn.com");
    }
}
