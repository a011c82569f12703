package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.MultiClusterFixture.HELLOWORLD;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.SLEEP;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.eastWestGateway;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The east-west gateway's {@code cross-network-gateway} (Istio's samples/multicluster/expose-services.yaml) and the
 * 1.1-1.5 {@code *.global} multicluster gateway: TLS passed through by SNI to the service's endpoints.
 */
class GatewayAutoPassthroughTest {

    private static final String EXPOSE_SERVICES = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: cross-network-gateway, namespace: istio-system}
            spec:
              selector: {istio: eastwestgateway}
              servers:
              - port: {number: 15443, name: tls, protocol: TLS}
                tls: {mode: AUTO_PASSTHROUGH}
                hosts: [%s]
            """;

    private static final String SUBSETS = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: helloworld, namespace: sample}
            spec:
              host: helloworld
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    private static final Pod GATEWAY1 = eastWestGateway(1, "network1");
    private static final Pod V1 = pod("helloworld-v1", "helloworld", "v1", 1, "network1", 1);
    private static final Pod V2 = pod("helloworld-v2", "helloworld", "v2", 2, "network2", 1);

    private static XdsResources translate(String hosts) {
        ConfigStore store = new ConfigStore();
        assertThat(store.apply("expose.yaml", EXPOSE_SERVICES.formatted(hosts)).ok())
                .isTrue();
        assertThat(store.apply("dr.yaml", SUBSETS).ok()).isTrue();
        ServiceRegistry r = new ServiceRegistry();
        r.putAll(List.of(HELLOWORLD, SLEEP), List.of(V1, V2, GATEWAY1, eastWestGateway(2, "network2")));
        MeshView view = new MeshView(store.snapshot(), r.snapshot(), MeshView.MeshSecurity.AUTO_MTLS);
        return Translator.translate(view, GATEWAY1);
    }

    private static Map<String, String> sniToCluster(XdsResources r) {
        Listener l = r.listeners().stream()
                .filter(x -> x.getName().equals("0.0.0.0_15443"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no 15443 listener in " + r.listeners()));
        assertThat(l.getListenerFiltersList())
                .extracting(f -> f.getName())
                .containsExactly("envoy.filters.listener.tls_inspector");
        return l.getFilterChainsList().stream()
                .collect(Collectors.toMap(
                        c -> c.getFilterChainMatch().getServerNames(0), GatewayAutoPassthroughTest::tcpCluster));
    }

    private static String tcpCluster(FilterChain c) {
        assertThat(c.hasTransportSocket()).as("TLS is not terminated").isFalse();
        try {
            return c.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eachServicePortAndSubsetIsAChainByIstiosSniToTheClusterOfThatName() {
        XdsResources r = translate("\"*.local\"");

        assertThat(sniToCluster(r))
                .containsOnly(
                        Map.entry(
                                "outbound_.5000_._.helloworld.sample.svc.cluster.local",
                                "outbound_.5000_._.helloworld.sample.svc.cluster.local"),
                        Map.entry(
                                "outbound_.5000_.v1_.helloworld.sample.svc.cluster.local",
                                "outbound_.5000_.v1_.helloworld.sample.svc.cluster.local"),
                        Map.entry(
                                "outbound_.5000_.v2_.helloworld.sample.svc.cluster.local",
                                "outbound_.5000_.v2_.helloworld.sample.svc.cluster.local"),
                        Map.entry(
                                "outbound_.80_._.sleep.sample.svc.cluster.local",
                                "outbound_.80_._.sleep.sample.svc.cluster.local"));
        Cluster v1 = r.clusters().stream()
                .filter(c -> c.getName().equals("outbound_.5000_.v1_.helloworld.sample.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(v1.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(v1.hasTransportSocket()).isFalse();
        assertThat(v1.getTransportSocketMatchesCount()).isZero();
    }

    @Test
    void theSniClustersHoldTheGatewaysOwnNetworksEndpoints() {
        XdsResources r = translate("\"*.local\"");

        Map<String, List<String>> endpoints = r.endpoints().stream()
                .filter(a -> a.getClusterName().startsWith("outbound_.5000_"))
                .collect(Collectors.toMap(
                        a -> a.getClusterName(),
                        a -> a.getEndpointsList().stream()
                                .flatMap(l -> l.getLbEndpointsList().stream())
                                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                                .map(s -> s.getAddress() + ":" + s.getPortValue())
                                .toList()));
        assertThat(endpoints)
                .containsEntry("outbound_.5000_._.helloworld.sample.svc.cluster.local", List.of("10.1.0.1:5000"))
                .containsEntry("outbound_.5000_.v1_.helloworld.sample.svc.cluster.local", List.of("10.1.0.1:5000"))
                .containsEntry("outbound_.5000_.v2_.helloworld.sample.svc.cluster.local", List.of());
    }

    @Test
    void globalNamesGoToTheClusterLocalServiceAsTcpClusterRewriteDid() {
        XdsResources r = translate("\"*.global\"");

        assertThat(sniToCluster(r))
                .containsEntry(
                        "outbound_.5000_._.helloworld.sample.global",
                        "outbound_.5000_._.helloworld.sample.svc.cluster.local")
                .containsEntry(
                        "outbound_.5000_.v2_.helloworld.sample.global",
                        "outbound_.5000_.v2_.helloworld.sample.svc.cluster.local")
                .doesNotContainKey("outbound_.5000_._.helloworld.sample.svc.cluster.local");
        assertThat(r.clusters())
                .extracting(Cluster::getName)
                .contains("outbound_.5000_._.helloworld.sample.svc.cluster.local");
    }
}
