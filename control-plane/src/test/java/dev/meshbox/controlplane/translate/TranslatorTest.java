package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static dev.meshbox.controlplane.testing.BookinfoYaml.GATEWAY;
import static dev.meshbox.controlplane.testing.BookinfoYaml.REVIEWS_90_10;
import static dev.meshbox.controlplane.testing.BookinfoYaml.REVIEWS_TEST_V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TranslatorTest {

    /** {name, config, proxy, what the reviews routes of route config "9080" must look like}. */
    static Stream<Arguments> reviewsRoutes() {
        return Stream.of(
                row("no VirtualService routes to every endpoint", List.of(), BookinfoFixture.PRODUCTPAGE, routes -> {
                    assertThat(routes).hasSize(1);
                    assertThat(routes.get(0).getName()).isEqualTo("default");
                    assertThat(routes.get(0).getRoute().getCluster())
                            .isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
                    assertThat(routes.get(0)
                                    .getRoute()
                                    .getRetryPolicy()
                                    .getNumRetries()
                                    .getValue())
                            .isEqualTo(2);
                    assertThat(routes.get(0).getRoute().getTimeout().getSeconds())
                            .isZero();
                }),
                row(
                        "90/10 becomes weighted clusters",
                        List.of(DESTINATION_RULE_ALL.text(), REVIEWS_90_10.text()),
                        BookinfoFixture.PRODUCTPAGE,
                        routes -> {
                            var clusters = routes.get(0)
                                    .getRoute()
                                    .getWeightedClusters()
                                    .getClustersList();
                            assertThat(clusters)
                                    .extracting(c ->
                                            c.getName() + "=" + c.getWeight().getValue())
                                    .containsExactly(
                                            "outbound|9080|v1|reviews.default.svc.cluster.local=90",
                                            "outbound|9080|v2|reviews.default.svc.cluster.local=10");
                        }),
                row(
                        "header match comes first, catch-all second",
                        List.of(DESTINATION_RULE_ALL.text(), REVIEWS_TEST_V2.text()),
                        BookinfoFixture.PRODUCTPAGE,
                        routes -> {
                            assertThat(routes).hasSize(2);
                            assertThat(routes.get(0).getMatch().getHeaders(0).getName())
                                    .isEqualTo("end-user");
                            assertThat(routes.get(0)
                                            .getMatch()
                                            .getHeaders(0)
                                            .getStringMatch()
                                            .getExact())
                                    .isEqualTo("jason");
                            assertThat(routes.get(0).getRoute().getCluster()).contains("|v2|");
                            assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/");
                            assertThat(routes.get(1).getRoute().getCluster()).contains("|v1|");
                        }),
                row(
                        "a fault turns timeout and retries off",
                        List.of(DESTINATION_RULE_ALL.text(), """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: reviews}
                        spec:
                          hosts: [reviews]
                          http:
                          - fault:
                              delay: {fixedDelay: 7s, percentage: {value: 100.0}}
                            timeout: 1s
                            route:
                            - destination: {host: reviews, subset: v1}
                        """),
                        BookinfoFixture.PRODUCTPAGE,
                        routes -> {
                            Route r = routes.get(0);
                            assertThat(r.getRoute().hasRetryPolicy()).isFalse();
                            assertThat(r.getRoute().getTimeout().getSeconds()).isZero();
                            HTTPFault fault = unpack(
                                    r.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault"), HTTPFault.class);
                            assertThat(fault.getDelay().getFixedDelay().getSeconds())
                                    .isEqualTo(7);
                            assertThat(fault.getDelay().getPercentage().getNumerator())
                                    .isEqualTo(1_000_000);
                        }),
                row(
                        "sourceLabels limit a rule to matching proxies",
                        List.of(DESTINATION_RULE_ALL.text(), """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: reviews}
                        spec:
                          hosts: [reviews]
                          http:
                          - match:
                            - sourceLabels: {app: ratings}
                            route:
                            - destination: {host: reviews, subset: v3}
                          - route:
                            - destination: {host: reviews, subset: v1}
                        """),
                        BookinfoFixture.PRODUCTPAGE,
                        routes -> {
                            assertThat(routes).hasSize(1);
                            assertThat(routes.get(0).getRoute().getCluster()).contains("|v1|");
                        }));
    }

    private static Arguments row(String name, List<String> config, Pod proxy, Consumer<List<Route>> check) {
        return Arguments.of(name, config, proxy, check);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reviewsRoutes")
    void translatesReviewsRoutes(String name, List<String> config, Pod proxy, Consumer<List<Route>> check) {
        XdsResources r = Translator.translate(BookinfoFixture.view(config.toArray(String[]::new)), proxy);
        RouteConfiguration rc = r.routes().stream()
                .filter(x -> x.getName().equals("9080"))
                .findFirst()
                .orElseThrow();
        VirtualHost vh = rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals("reviews.default.svc.cluster.local:9080"))
                .findFirst()
                .orElseThrow();
        assertThat(vh.getDomainsList()).contains("reviews", "reviews:9080", "reviews.default.svc.cluster.local:9080");
        check.accept(vh.getRoutesList());
    }

    @Test
    void sidecarGetsIstioListenerLayoutAndInboundCluster() {
        XdsResources r = Translator.translate(BookinfoFixture.view(), BookinfoFixture.REVIEWS_V2);
        assertThat(r.listeners())
                .extracting(Listener::getName)
                .containsExactlyInAnyOrder("0.0.0.0_9080", "virtualInbound", "virtualOutbound");
        Listener inbound = r.listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();
        assertThat(inbound.getFilterChains(0)
                        .getFilterChainMatch()
                        .getDestinationPort()
                        .getValue())
                .isEqualTo(9080);
        Cluster in = r.clusters().stream()
                .filter(c -> c.getName().equals("inbound|9080||"))
                .findFirst()
                .orElseThrow();
        assertThat(in.getLoadAssignment()
                        .getEndpoints(0)
                        .getLbEndpoints(0)
                        .getEndpoint()
                        .getAddress()
                        .getSocketAddress()
                        .getAddress())
                .isEqualTo("127.20.0.3");
        Listener port = r.listeners().stream()
                .filter(l -> l.getName().equals("0.0.0.0_9080"))
                .findFirst()
                .orElseThrow();
        assertThat(port.getBindToPort().getValue()).isFalse();
        HttpConnectionManager hcm =
                unpack(port.getFilterChains(0).getFilters(0).getTypedConfig(), HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("9080");
    }

    private static List<String> httpFilterNames(Listener listener, int chain) {
        HttpConnectionManager hcm =
                unpack(listener.getFilterChains(chain).getFilters(0).getTypedConfig(), HttpConnectionManager.class);
        return hcm.getHttpFiltersList().stream()
                .map(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter::getName)
                .toList();
    }

    private static Listener listener(XdsResources r, String name) {
        return r.listeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void everyConnectionManagerCarriesIstiosHttpFiltersInIstiosOrder() {
        XdsResources sidecar = Translator.translate(BookinfoFixture.view(), BookinfoFixture.REVIEWS_V2);
        List<String> outbound = List.of(
                "istio.metadata_exchange",
                "envoy.filters.http.grpc_stats",
                "istio.alpn",
                "envoy.filters.http.fault",
                "envoy.filters.http.cors",
                "istio.stats",
                "envoy.filters.http.router");
        assertThat(httpFilterNames(listener(sidecar, "0.0.0.0_9080"), 0)).isEqualTo(outbound);
        assertThat(httpFilterNames(listener(sidecar, "virtualInbound"), 0))
                .as("no ALPN override on the inbound side")
                .containsExactly(
                        "istio.metadata_exchange",
                        "envoy.filters.http.grpc_stats",
                        "envoy.filters.http.fault",
                        "envoy.filters.http.cors",
                        "istio.stats",
                        "envoy.filters.http.router");
        XdsResources gateway = Translator.translate(BookinfoFixture.view(GATEWAY.text()), BookinfoFixture.GATEWAY);
        assertThat(httpFilterNames(listener(gateway, "0.0.0.0_8080"), 0)).isEqualTo(outbound);
    }

    @Test
    void theMetadataExchangeDiscoversTheCallerInboundAndTheCalleeOutbound() throws Exception {
        XdsResources sidecar = Translator.translate(BookinfoFixture.view(), BookinfoFixture.REVIEWS_V2);
        HttpConnectionManager inbound = unpack(
                listener(sidecar, "virtualInbound")
                        .getFilterChains(0)
                        .getFilters(0)
                        .getTypedConfig(),
                HttpConnectionManager.class);
        var mx = inbound.getHttpFilters(0).getTypedConfig().unpack(com.github.udpa.udpa.type.v1.TypedStruct.class);
        assertThat(mx.getTypeUrl()).isEqualTo("type.googleapis.com/io.istio.http.peer_metadata.Config");
        assertThat(mx.getValue().getFieldsMap()).containsOnlyKeys("downstream_discovery", "downstream_propagation");
    }

    @Test
    void subsetEndpointsAreThePodsWithTheSubsetLabels() {
        XdsResources r =
                Translator.translate(BookinfoFixture.view(DESTINATION_RULE_ALL.text()), BookinfoFixture.PRODUCTPAGE);
        ClusterLoadAssignment v2 = r.endpoints().stream()
                .filter(e -> e.getClusterName().equals("outbound|9080|v2|reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(v2.getEndpoints(0).getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                        + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
                .containsExactly("127.10.0.3:9080");
        ClusterLoadAssignment all = r.endpoints().stream()
                .filter(e -> e.getClusterName().equals("outbound|9080||reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(all.getEndpoints(0).getLbEndpointsCount()).isEqualTo(3);
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals("outbound|9080|v1|reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
        assertThat(c.getEdsClusterConfig().getServiceName()).isEqualTo(c.getName());
    }

    @Test
    void connectionPoolBecomesCircuitBreakers() {
        XdsResources r = Translator.translate(BookinfoFixture.view("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings}
                spec:
                  host: ratings
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 1}
                      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
                    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}
                """), BookinfoFixture.PRODUCTPAGE);
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals("outbound|9080||ratings.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        var t = c.getCircuitBreakers().getThresholds(0);
        assertThat(t.getMaxConnections().getValue()).isEqualTo(1);
        assertThat(t.getMaxPendingRequests().getValue()).isEqualTo(1);
        assertThat(c.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(1);
        assertThat(c.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(180);
        assertThat(c.getOutlierDetection().getMaxEjectionPercent().getValue()).isEqualTo(100);
    }

    @Test
    void gatewayServesBoundVirtualServiceOnItsPort() {
        XdsResources r = Translator.translate(BookinfoFixture.view(GATEWAY.text()), BookinfoFixture.GATEWAY);
        assertThat(r.listeners()).extracting(Listener::getName).containsExactly("0.0.0.0_8080");
        RouteConfiguration rc = r.routes().get(0);
        assertThat(rc.getName()).isEqualTo("http.8080");
        VirtualHost vh = rc.getVirtualHosts(0);
        assertThat(vh.getDomainsList()).containsExactly("*");
        assertThat(vh.getRoutesList())
                .extracting(x -> x.getMatch().hasPath()
                        ? x.getMatch().getPath()
                        : x.getMatch().getPrefix())
                .containsExactly("/productpage", "/static", "/login", "/logout", "/api/v1/products");
        assertThat(vh.getRoutes(0).getRoute().getCluster())
                .isEqualTo("outbound|9080||productpage.default.svc.cluster.local");
    }

    @Test
    void unknownDestinationHostIsAWarningNotACrash() {
        XdsResources r = Translator.translate(BookinfoFixture.view("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: nowhere}
                """), BookinfoFixture.PRODUCTPAGE);
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("VirtualService default/reviews spec.http[0]")
                        .contains("\"nowhere\""));
    }

    static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void consistentHashPutsAHashPolicyOnTheRouteAndRingHashOnTheCluster() {
        XdsResources r = Translator.translate(BookinfoFixture.view("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings}
                spec:
                  host: ratings
                  trafficPolicy:
                    loadBalancer:
                      consistentHash: {httpHeaderName: end-user}
                """), BookinfoFixture.PRODUCTPAGE);
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals("outbound|9080||ratings.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
        RouteConfiguration rc = r.routes().stream()
                .filter(x -> x.getName().equals("9080"))
                .findFirst()
                .orElseThrow();
        Route route = rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().startsWith("ratings."))
                .findFirst()
                .orElseThrow()
                .getRoutes(0);
        assertThat(route.getRoute().getHashPolicy(0).getHeader().getHeaderName())
                .isEqualTo("end-user");
    }

    @Test
    void endpointMetadataCarriesTheWorkloadForTelemetry() {
        XdsResources r = Translator.translate(BookinfoFixture.view(), BookinfoFixture.PRODUCTPAGE);
        ClusterLoadAssignment e = r.endpoints().stream()
                .filter(x -> x.getClusterName().equals("outbound|9080||reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        var istio = e.getEndpoints(0).getLbEndpoints(0).getMetadata().getFilterMetadataOrThrow("istio");
        assertThat(istio.getFieldsOrThrow("workload").getStringValue()).isEqualTo("reviews-v1");
        assertThat(istio.getFieldsOrThrow("labels")
                        .getStructValue()
                        .getFieldsOrThrow("version")
                        .getStringValue())
                .isEqualTo("v1");
    }

    @Test
    void describerNamesTheRuleTheMatchAndTheWeights() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers: {end-user: {exact: jason}}
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: 90
                    - destination: {host: reviews, subset: v3}
                      weight: 10
                """), BookinfoFixture.PRODUCTPAGE);
        assertThat(RouteDescriber.describe(r, "reviews:9080"))
                .hasValue("route 9080 for reviews:9080: "
                        + "[1] VirtualService default/reviews spec.http[0] when end-user = jason -> outbound|9080|v2|reviews.default.svc.cluster.local; "
                        + "[2] VirtualService default/reviews spec.http[1] -> outbound|9080|v1|reviews.default.svc.cluster.local 90%, "
                        + "outbound|9080|v3|reviews.default.svc.cluster.local 10%");
        assertThat(RouteDescriber.describe(r, "ratings:9080").orElseThrow())
                .contains("[1] default route (no VirtualService) -> outbound|9080||ratings");
    }
}
