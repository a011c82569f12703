package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rates, errors and the split per version from two scrapes of the proxies' Prometheus endpoints. */
class TrafficGraphTest {

    private static final List<MeshService> SERVICES = List.of(
            new MeshService(
                    "reviews",
                    "default",
                    List.of(new ServicePort("http", 9080, 9080, "HTTP")),
                    Map.of("app", "reviews")),
            new MeshService(
                    "httpbin",
                    "default",
                    List.of(new ServicePort("http", 8000, 8080, "HTTP")),
                    Map.of("app", "httpbin")));
    private static final List<Pod> PODS = List.of(
            pod("productpage-v1-a", Map.of("app", "productpage", "version", "v1")),
            pod("reviews-v1-a", Map.of("app", "reviews", "version", "v1")),
            pod("reviews-v2-a", Map.of("app", "reviews", "version", "v2")),
            pod("fortio-a", Map.of("app", "fortio")),
            pod("httpbin-v1-a", Map.of("app", "httpbin", "version", "v1")),
            new Pod(
                    "istio-ingressgateway-a",
                    "istio-system",
                    "127.0.0.1",
                    "127.0.0.1",
                    Map.of("app", "istio-ingressgateway"),
                    Pod.ProxyKind.GATEWAY,
                    true));

    private static Pod pod(String name, Map<String, String> labels) {
        return new Pod(name, "default", "127.10.0.1", "127.20.0.1", labels, Pod.ProxyKind.SIDECAR, true);
    }

    /** One istio_requests_total line as productpage's or fortio's sidecar reports it (reporter source). */
    private static String series(
            String source, String service, String destination, String version, int code, String flags, long n) {
        return "istio_requests_total{reporter=\"source\",source_workload=\"" + source
                + "\",source_workload_namespace=\"default\","
                + "destination_workload=\"" + destination + "\",destination_version=\"" + version
                + "\",destination_service=\"" + service
                + ".default.svc.cluster.local\",destination_service_name=\"" + service
                + "\",destination_service_namespace=\"default\","
                + "response_code=\"" + code + "\",response_flags=\"" + flags + "\"} " + n + "\n";
    }

    private static Scrape scrape(double seconds, String pod, String text) {
        return Scrape.of((long) (seconds * 1e9), Map.of(pod, text));
    }

    private static TrafficGraph.Edge edge(TrafficGraph.Graph g, String id) {
        return g.edges().stream()
                .filter(e -> e.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no edge " + id + " in " + g.edges()));
    }

    @Test
    void ratesAndTheSplitPerVersionComeFromTheDifferenceOfTwoScrapes() {
        Scrape before = scrape(
                0,
                "productpage-v1-a",
                series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 100)
                        + series("productpage-v1", "reviews", "reviews-v2", "v2", 200, "-", 50));
        Scrape after = scrape(
                10,
                "productpage-v1-a",
                series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 190)
                        + series("productpage-v1", "reviews", "reviews-v2", "v2", 200, "-", 60));

        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, before, after);

        TrafficGraph.Edge calls = edge(g, "wl:productpage-v1->svc:reviews.default");
        assertThat(calls.rps()).isCloseTo(10.0, within(1e-9));
        assertThat(calls.requests()).isEqualTo(100);
        assertThat(calls.total()).isEqualTo(250);
        assertThat(calls.health()).isEqualTo("ok");
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v1").share()).isCloseTo(0.9, within(1e-9));
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v2").share()).isCloseTo(0.1, within(1e-9));
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v2").rps()).isCloseTo(1.0, within(1e-9));
        assertThat(g.windowSeconds()).isEqualTo(10.0);
    }

    @Test
    void aServiceHasEdgesToTheVersionsItSelectsBeforeAnyTraffic() {
        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, null, new Scrape(0, Map.of()));

        assertThat(g.nodes())
                .extracting(TrafficGraph.Node::id)
                .contains(
                        "svc:reviews.default",
                        "wl:reviews-v1",
                        "wl:reviews-v2",
                        "wl:istio-ingressgateway",
                        "wl:fortio");
        assertThat(g.nodes())
                .filteredOn(n -> n.id().equals("wl:istio-ingressgateway"))
                .extracting(TrafficGraph.Node::kind)
                .containsExactly("gateway");
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v1").health()).isEqualTo("idle");
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v1").rps()).isZero();
    }

    @Test
    void fiveHundredsMakeAnEdgeDegradedAndFromTenPercentFailing() {
        Scrape before = scrape(0, "productpage-v1-a", "");
        Scrape some = scrape(
                2,
                "productpage-v1-a",
                series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 99)
                        + series("productpage-v1", "reviews", "reviews-v1", "v1", 503, "URX", 1));
        Scrape many = scrape(
                2,
                "productpage-v1-a",
                series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 80)
                        + series("productpage-v1", "reviews", "reviews-v1", "v1", 500, "-", 20));

        TrafficGraph.Edge degraded =
                edge(TrafficGraph.build(PODS, SERVICES, before, some), "wl:productpage-v1->svc:reviews.default");
        TrafficGraph.Edge failing =
                edge(TrafficGraph.build(PODS, SERVICES, before, many), "wl:productpage-v1->svc:reviews.default");

        assertThat(degraded.errorShare()).isCloseTo(0.01, within(1e-9));
        assertThat(degraded.health()).isEqualTo("degraded");
        assertThat(degraded.flags()).containsEntry("URX", 1L);
        assertThat(failing.errorShare()).isCloseTo(0.2, within(1e-9));
        assertThat(failing.health()).isEqualTo("failing");
        assertThat(failing.codes()).containsEntry("200", 80L).containsEntry("500", 20L);
    }

    @Test
    void anyCircuitBreakerOverflowTurnsTheCallersEdgeRedAndIsNotServedByAVersion() {
        Scrape before = scrape(0, "fortio-a", series("fortio", "httpbin", "httpbin-v1", "v1", 200, "-", 0));
        Scrape after = scrape(
                2,
                "fortio-a",
                series("fortio", "httpbin", "httpbin-v1", "v1", 200, "-", 97)
                        + series("fortio", "httpbin", "httpbin-v1", "v1", 503, "UO", 3)
                        + series("fortio", "httpbin", "unknown", "unknown", 503, "UO", 1));

        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, before, after);

        TrafficGraph.Edge calls = edge(g, "wl:fortio->svc:httpbin.default");
        assertThat(calls.errorShare()).isCloseTo(4 / 101.0, within(1e-9));
        assertThat(calls.health()).isEqualTo("failing");
        assertThat(calls.flags()).containsEntry("UO", 4L);
        TrafficGraph.Edge served = edge(g, "svc:httpbin.default->wl:httpbin-v1");
        assertThat(served.requests()).isEqualTo(97);
        assertThat(served.health()).isEqualTo("ok");
    }

    @Test
    void aCounterThatWentDownIsARestartedProxyCountingAfresh() {
        Scrape before =
                scrape(0, "productpage-v1-a", series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 500));
        Scrape after =
                scrape(5, "productpage-v1-a", series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 20));

        TrafficGraph.Edge calls =
                edge(TrafficGraph.build(PODS, SERVICES, before, after), "wl:productpage-v1->svc:reviews.default");

        assertThat(calls.requests()).isEqualTo(20);
        assertThat(calls.rps()).isCloseTo(4.0, within(1e-9));
    }

    @Test
    void theGatewayReportsItsRequestsAsSourceAndDestinationReportsAreNotCountedTwice() {
        String text = series("istio-ingressgateway", "productpage", "productpage-v1", "v1", 200, "-", 10)
                + series("istio-ingressgateway", "productpage", "productpage-v1", "v1", 200, "-", 0)
                        .replace("reporter=\"source\"", "reporter=\"destination\"")
                        .replace("} 0", "} 10");
        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, scrape(0, "gw", ""), scrape(1, "gw", text));

        assertThat(edge(g, "wl:istio-ingressgateway->svc:productpage.default").requests())
                .isEqualTo(10);
        assertThat(g.nodes())
                .filteredOn(n -> n.id().equals("svc:productpage.default"))
                .extracting(TrafficGraph.Node::kind)
                .containsExactly("unknown");
    }

    /** One istio_requests_total line as the destination's sidecar reports it, with how the connection was secured. */
    private static String served(String source, String service, String destination, String policy, long n) {
        return series(source, service, destination, "v1", 200, "-", n)
                .replace("reporter=\"source\"", "reporter=\"destination\"")
                .replace("response_flags=\"-\"", "response_flags=\"-\",connection_security_policy=\"" + policy + "\"");
    }

    @Test
    void anEdgeIsMutualTlsWhenTheDestinationSidecarSawItsCallsOverMutualTls() {
        String before = series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 0)
                + series("fortio", "httpbin", "httpbin-v1", "v1", 200, "-", 0);
        String after = series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 10)
                + series("fortio", "httpbin", "httpbin-v1", "v1", 200, "-", 10);
        String reviews = served("productpage-v1", "reviews", "reviews-v1", "mutual_tls", 10);
        String httpbin = served("fortio", "httpbin", "httpbin-v1", "none", 10);
        TrafficGraph.Graph g = TrafficGraph.build(
                PODS,
                SERVICES,
                Scrape.of(0, Map.of("src", before)),
                Scrape.of((long) 1e9, Map.of("src", after, "reviews-v1-a", reviews, "httpbin-v1-a", httpbin)));

        assertThat(edge(g, "wl:productpage-v1->svc:reviews.default").security()).isEqualTo("mutual_tls");
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v1").security()).isEqualTo("mutual_tls");
        assertThat(edge(g, "wl:fortio->svc:httpbin.default").security()).isEqualTo("none");
        assertThat(edge(g, "svc:httpbin.default->wl:httpbin-v1").mtlsShare()).isZero();
        assertThat(edge(g, "svc:reviews.default->wl:reviews-v2").security()).isEqualTo("unknown");
        // Destination reports add no requests: each call is counted once, at its source.
        assertThat(edge(g, "wl:productpage-v1->svc:reviews.default").requests()).isEqualTo(10);
    }

    @Test
    void callsPartlyOverMutualTlsArePartialAndAnIdleEdgeKeepsWhatItHadSinceStart() {
        Map<String, String> texts = Map.of(
                "src",
                series("productpage-v1", "reviews", "reviews-v1", "v1", 200, "-", 4),
                "reviews-v1-a",
                served("productpage-v1", "reviews", "reviews-v1", "mutual_tls", 3)
                        + served("productpage-v1", "reviews", "reviews-v1", "none", 1));
        Scrape earlier = Scrape.of(0, texts);
        Scrape idle = Scrape.of((long) 2e9, texts); // nothing new in the window

        TrafficGraph.Edge e =
                edge(TrafficGraph.build(PODS, SERVICES, earlier, idle), "svc:reviews.default->wl:reviews-v1");

        assertThat(e.security()).isEqualTo("partial");
        assertThat(e.mtlsShare()).isCloseTo(0.75, within(1e-9));
    }

    @Test
    void workloadNodesCarryTheirLocalityAndClusterInTheApiJson() throws Exception {
        List<Pod> pods = List.of(
                pod(
                        "helloworld-region1.zone1-a",
                        Map.of(
                                "app", "helloworld",
                                "version", "region1.zone1",
                                "topology.kubernetes.io/region", "region1",
                                "topology.kubernetes.io/zone", "zone1",
                                "topology.istio.io/cluster", "cluster1")),
                pod(
                        "sleep-a",
                        Map.of(
                                "app", "sleep",
                                "topology.kubernetes.io/region", "region1",
                                "topology.kubernetes.io/zone", "zone1",
                                "topology.istio.io/subzone", "sub1")),
                pod("reviews-v1-a", Map.of("app", "reviews", "version", "v1")));
        TrafficGraph.Graph g = TrafficGraph.build(pods, SERVICES, null, Scrape.of(0, Map.of()));
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(g.nodes());
        var nodes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        Map<String, String> byLabel = new java.util.TreeMap<>();
        nodes.forEach(n -> byLabel.put(
                n.get("label").asText(),
                n.get("locality").asText() + "|" + n.get("cluster").asText()));
        assertThat(byLabel)
                .containsEntry("helloworld-region1.zone1", "region1/zone1|cluster1")
                .containsEntry("sleep", "region1/zone1/sub1|")
                .containsEntry("reviews-v1", "|");
    }
}
