package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.MultiClusterFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The calling side of the older {@code .global} model: a sidecar's cluster for a {@code .global} ServiceEntry dials
 * the remote gateway on 15443 with Istio mTLS and the SNI the gateway routes by, as Istio 1.4 generated it.
 */
class GlobalNamesTranslationTest {

    static final String HTTPBIN_BAR = """
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata:
              name: httpbin-bar
            spec:
              hosts:
              - httpbin.bar.global
              location: MESH_INTERNAL
              ports:
              - name: http1
                number: 8000
                protocol: http
              resolution: DNS
              addresses:
              - 240.0.0.2
              endpoints:
              - address: 127.0.2.1
                ports:
                  http1: 15443
            """;

    static final String GLOBAL_MUTUAL = """
            apiVersion: networking.istio.io/v1alpha3
            kind: DestinationRule
            metadata:
              name: istio-multicluster-destinationrule
              namespace: istio-system
            spec:
              host: "*.global"
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
            """;

    @Test
    void theSidecarDialsTheRemoteGatewayWithMutualTlsAndTheOutboundSni() throws Exception {
        XdsResources r =
                Translator.translate(BookinfoFixture.view(HTTPBIN_BAR, GLOBAL_MUTUAL), BookinfoFixture.PRODUCTPAGE);

        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals("outbound|8000||httpbin.bar.global"))
                .findFirst()
                .orElseThrow();
        assertThat(c.hasTransportSocket()).as(c.toString()).isTrue();
        UpstreamTlsContext tls = c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("outbound_.8000_._.httpbin.bar.global");
        String endpoints = r.endpoints().stream()
                .filter(e -> e.getClusterName().equals(c.getName()))
                .map(ClusterLoadAssignment::toString)
                .findFirst()
                .orElse(c.getLoadAssignment().toString());
        assertThat(endpoints).contains("127.0.2.1").contains("15443");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void anAddressOutsideClassEIsAWarningOfTheTranslation() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(HTTPBIN_BAR.replace("240.0.0.2", "10.99.0.2"), GLOBAL_MUTUAL),
                BookinfoFixture.PRODUCTPAGE);

        assertThat(r.warnings())
                .anyMatch(w -> w.startsWith("ServiceEntry default/httpbin-bar: spec.addresses[0]: address 10.99.0.2"));
    }

    @Test
    void atTheRemoteGatewayAGlobalSniGoesToTheLocalServiceEvenWhereAnEntryNamesTheGlobalHost() throws Exception {
        // Config applied to every cluster puts the caller's entry in the serving cluster too; Istio 1.4's
        // tcp_cluster_rewrite still sent the SNI to the cluster.local service, never back to the gateway itself.
        ConfigStore store = new ConfigStore();
        assertThat(store.apply("gw.yaml", """
                        apiVersion: networking.istio.io/v1alpha3
                        kind: Gateway
                        metadata: {name: istio-multicluster-ingressgateway, namespace: istio-system}
                        spec:
                          selector: {istio: eastwestgateway}
                          servers:
                          - hosts: ["*.global"]
                            port: {name: tls, number: 15443, protocol: TLS}
                            tls: {mode: AUTO_PASSTHROUGH}
                        """).ok()).isTrue();
        assertThat(store.apply(
                                "se.yaml",
                                HTTPBIN_BAR
                                        .replace("httpbin.bar.global", "helloworld.sample.global")
                                        .replace("8000", "5000"))
                        .ok())
                .isTrue();
        Pod gateway = MultiClusterFixture.eastWestGateway(1, "network1");
        ServiceRegistry registry = new ServiceRegistry();
        registry.putAll(
                List.of(MultiClusterFixture.HELLOWORLD),
                List.of(MultiClusterFixture.pod("helloworld-v1", "helloworld", "v1", 1, "network1", 1), gateway));

        XdsResources r = Translator.translate(
                new MeshView(store.snapshot(), registry.snapshot(), MeshView.MeshSecurity.AUTO_MTLS), gateway);

        Listener l = r.listeners().stream()
                .filter(x -> x.getName().equals("0.0.0.0_15443"))
                .findFirst()
                .orElseThrow();
        List<String> targets = new java.util.ArrayList<>();
        for (FilterChain c : l.getFilterChainsList()) {
            if (c.getFilterChainMatch().getServerNamesList().contains("outbound_.5000_._.helloworld.sample.global")) {
                targets.add(
                        c.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster());
            }
        }
        assertThat(targets).containsExactly("outbound_.5000_._.helloworld.sample.svc.cluster.local");
    }
}
