package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ServiceEntry hosts to clusters, endpoints, listeners and routes, as Istio's serviceentry registry gives them. */
class ServiceEntryTranslationTest {

    private static final String HTTPBIN_EXT = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin-ext}
            spec:
              hosts: [httpbin.org]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
              location: MESH_EXTERNAL
            """;

    static Stream<Arguments> resolutions() {
        return Stream.of(
                Arguments.of("NONE", "", Cluster.DiscoveryType.ORIGINAL_DST, List.of()),
                Arguments.of(
                        "STATIC",
                        "  endpoints: [{address: 127.0.0.1, ports: {http: 18080}}, {address: 127.0.0.2}]\n",
                        Cluster.DiscoveryType.EDS,
                        List.of("127.0.0.1:18080", "127.0.0.2:80")),
                Arguments.of("DNS", "", Cluster.DiscoveryType.STRICT_DNS, List.of("api.example.com:80")),
                Arguments.of(
                        "DNS",
                        "  endpoints: [{address: localhost, ports: {http: 18080}}]\n",
                        Cluster.DiscoveryType.STRICT_DNS,
                        List.of("localhost:18080")),
                Arguments.of("DNS_ROUND_ROBIN", "", Cluster.DiscoveryType.LOGICAL_DNS, List.of("api.example.com:80")));
    }

    @ParameterizedTest(name = "{0} {3}")
    @MethodSource("resolutions")
    void eachResolutionGetsIstiosClusterTypeAndEndpoints(
            String resolution, String endpoints, Cluster.DiscoveryType type, List<String> addresses) {
        String se = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: %s
                """.formatted(resolution) + endpoints;
        XdsResources r = Translator.translate(BookinfoFixture.view(se), BookinfoFixture.PRODUCTPAGE);

        Cluster c = cluster(r, "outbound|80||api.example.com");
        assertThat(c.getType()).isEqualTo(type);
        List<LbEndpoint> lb = type == Cluster.DiscoveryType.EDS
                ? r.endpoints().stream()
                        .filter(e -> e.getClusterName().equals(c.getName()))
                        .flatMap(e -> e.getEndpointsList().stream())
                        .flatMap(e -> e.getLbEndpointsList().stream())
                        .toList()
                : c.getLoadAssignment().getEndpointsList().stream()
                        .flatMap(e -> e.getLbEndpointsList().stream())
                        .toList();
        assertThat(lb)
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                        + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
                .containsExactlyElementsOf(addresses);
        if (type == Cluster.DiscoveryType.ORIGINAL_DST) {
            assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.CLUSTER_PROVIDED);
        }
        assertThat(c.hasTransportSocket() || c.getTransportSocketMatchesCount() > 0)
                .as("MESH_EXTERNAL: no auto mTLS")
                .isFalse();
    }

    @Test
    void anHttpPortGetsAVirtualHostForTheHostBeforeAllowAny() {
        XdsResources r = Translator.translate(BookinfoFixture.view(HTTPBIN_EXT), BookinfoFixture.PRODUCTPAGE);

        assertThat(r.listeners()).extracting(Listener::getName).contains("0.0.0.0_80");
        RouteConfiguration rc = route(r, "80");
        assertThat(rc.getVirtualHostsList())
                .extracting(VirtualHost::getName)
                .containsExactly("httpbin.org:80", "allow_any");
        assertThat(rc.getVirtualHosts(0).getDomainsList()).containsExactly("httpbin.org", "httpbin.org:80");
        assertThat(rc.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo("outbound|80||httpbin.org");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void aVirtualServiceAndDestinationRuleOnTheHostApplyAsForAService() {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: httpbin-ext}
                spec:
                  hosts: [httpbin.org]
                  http:
                  - timeout: 3s
                    route:
                    - destination: {host: httpbin.org, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: httpbin-ext}
                spec:
                  host: httpbin.org
                  subsets: [{name: v1, labels: {version: v1}}]
                """;
        String se = HTTPBIN_EXT.replace(
                "resolution: DNS",
                "resolution: STATIC\n  endpoints:"
                        + " [{address: 127.0.0.1, labels: {version: v1}}, {address: 127.0.0.2, labels: {version: v2}}]");
        XdsResources r = Translator.translate(BookinfoFixture.view(se, vs), BookinfoFixture.PRODUCTPAGE);

        VirtualHost vh = route(r, "80").getVirtualHosts(0);
        assertThat(vh.getRoutes(0).getRoute().getCluster()).isEqualTo("outbound|80|v1|httpbin.org");
        assertThat(vh.getRoutes(0).getRoute().getTimeout().getSeconds()).isEqualTo(3);
        ClusterLoadAssignment v1 = r.endpoints().stream()
                .filter(e -> e.getClusterName().equals("outbound|80|v1|httpbin.org"))
                .findFirst()
                .orElseThrow();
        assertThat(v1.getEndpoints(0).getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
                .containsExactly("127.0.0.1");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void theEntrysVirtualIpsAreDomainsOfItsVirtualHostButNotItsCidrs() {
        String se = HTTPBIN_EXT.replace(
                "resolution: DNS",
                "resolution: STATIC\n  addresses: [240.240.0.10]\n" + "  endpoints: [{address: 127.0.0.1}]");
        XdsResources r = Translator.translate(BookinfoFixture.view(se), BookinfoFixture.PRODUCTPAGE);

        assertThat(route(r, "80").getVirtualHosts(0).getDomainsList())
                .containsExactly("httpbin.org", "httpbin.org:80", "240.240.0.10", "240.240.0.10:80");
    }

    @Test
    void exportToDotHidesTheHostFromOtherNamespaces() {
        String se =
                HTTPBIN_EXT.replace("metadata: {name: httpbin-ext}", "metadata: {name: httpbin-ext, namespace: egress}")
                        + "  exportTo: [.]\n";
        XdsResources r = Translator.translate(BookinfoFixture.view(se), BookinfoFixture.PRODUCTPAGE);

        assertThat(route(r, "80").getVirtualHostsList())
                .extracting(VirtualHost::getName)
                .containsExactly("allow_any");
    }

    @Test
    void aMeshInternalEntryGetsAutoMtlsAndAWildcardHostItsDomain() {
        String se = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wiki}
                spec:
                  hosts: ["*.wikipedia.org"]
                  ports: [{number: 8000, name: http, protocol: HTTP}]
                  location: MESH_INTERNAL
                """;
        MeshView plain = BookinfoFixture.view(se);
        XdsResources r = Translator.translate(
                new MeshView(plain.config(), BookinfoFixture.registry().snapshot(), MeshView.MeshSecurity.AUTO_MTLS),
                BookinfoFixture.PRODUCTPAGE);

        assertThat(route(r, "8000").getVirtualHosts(0).getDomainsList())
                .containsExactly("*.wikipedia.org", "*.wikipedia.org:8000");
        assertThat(cluster(r, "outbound|8000||*.wikipedia.org").getTransportSocketMatchesCount())
                .isPositive();
    }

    @Test
    void registryOnlyAnswersUnknownHosts502FromBlockAllAndSendsUnknownPortsToTheBlackHole() {
        MeshView plain = BookinfoFixture.view(HTTPBIN_EXT);
        XdsResources r = Translator.translate(
                new MeshView(
                        plain.config(),
                        BookinfoFixture.registry().snapshot(),
                        MeshView.MeshSecurity.PLAINTEXT.withOutboundTrafficPolicy(
                                dev.meshbox.controlplane.config.OutboundTrafficPolicy.REGISTRY_ONLY)),
                BookinfoFixture.PRODUCTPAGE);

        for (RouteConfiguration rc : r.routes()) {
            VirtualHost last = rc.getVirtualHosts(rc.getVirtualHostsCount() - 1);
            assertThat(last.getName()).isEqualTo("block_all");
            assertThat(last.getDomainsList()).containsExactly("*");
            assertThat(last.getRoutes(0).getName()).isEqualTo("block_all");
            assertThat(last.getRoutes(0).getDirectResponse().getStatus()).isEqualTo(502);
        }
        assertThat(route(r, "80").getVirtualHosts(0).getName())
                .as("a ServiceEntry host stays reachable")
                .isEqualTo("httpbin.org:80");
        Listener outbound = r.listeners().stream()
                .filter(l -> l.getName().equals("virtualOutbound"))
                .findFirst()
                .orElseThrow();
        assertThat(outbound.getFilterChains(0).getFilters(0).getTypedConfig().toString())
                .contains("BlackHoleCluster");
    }

    @Test
    void allowAnyIsTheDefault() {
        XdsResources r = Translator.translate(BookinfoFixture.view(HTTPBIN_EXT), BookinfoFixture.PRODUCTPAGE);

        RouteConfiguration rc = route(r, "9080");
        VirtualHost last = rc.getVirtualHosts(rc.getVirtualHostsCount() - 1);
        assertThat(last.getName()).isEqualTo("allow_any");
        assertThat(last.getRoutes(0).getRoute().getCluster()).isEqualTo("PassthroughCluster");
    }

    @Test
    void aWorkloadSelectorTakesTheWorkloadEntriesOfItsNamespaceAsEndpoints() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: vm, namespace: vms}
                spec:
                  hosts: [legacy.example.com]
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  resolution: STATIC
                  location: MESH_INTERNAL
                  workloadSelector: {labels: {app: legacy}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-1, namespace: vms}
                spec:
                  address: 127.0.0.61
                  labels: {app: legacy, version: v1}
                  ports: {http: 18080}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: other, namespace: vms}
                spec:
                  address: 127.0.0.62
                  labels: {app: other}
                """;
        XdsResources r = Translator.translate(BookinfoFixture.view(yaml), BookinfoFixture.PRODUCTPAGE);

        assertThat(cluster(r, "outbound|8080||legacy.example.com").getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(r.endpoints().stream()
                        .filter(e -> e.getClusterName().equals("outbound|8080||legacy.example.com"))
                        .flatMap(e -> e.getEndpointsList().stream())
                        .flatMap(e -> e.getLbEndpointsList().stream())
                        .map(e ->
                                e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                                        + e.getEndpoint()
                                                .getAddress()
                                                .getSocketAddress()
                                                .getPortValue())
                        .toList())
                .containsExactly("127.0.0.61:18080");
    }

    private static Cluster cluster(XdsResources r, String name) {
        return r.clusters().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no cluster " + name + " in "
                        + r.clusters().stream().map(Cluster::getName).toList()));
    }

    private static RouteConfiguration route(XdsResources r, String name) {
        return r.routes().stream()
                .filter(rc -> rc.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
