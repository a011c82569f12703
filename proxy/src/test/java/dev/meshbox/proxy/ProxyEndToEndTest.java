package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.SidecarMesh.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.SidecarMesh;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A sidecar fed by a real ADS server, in front of real upstream sockets; everything on 127.0.0.1xx. */
class ProxyEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);
    private static final AtomicInteger VERSIONS = new AtomicInteger(1);

    private static TestControlPlane controlPlane;
    private static TestUpstream v1;
    private static TestUpstream v2;
    private static TestUpstream flaky;
    private static TestUpstream app;
    private static Proxy proxy;

    @BeforeAll
    static void startMesh() throws Exception {
        controlPlane = new TestControlPlane();
        v1 = new TestUpstream("v1", V1_IP, 9080);
        v2 = new TestUpstream("v2", V2_IP, 9080);
        flaky = new TestUpstream("flaky", FLAKY_IP, 9080);
        app = new TestUpstream("inbound-app", APP_IP, 9080);
        controlPlane.set(NODE_ID, SidecarMesh.snapshot("1"));
        proxy = Proxy.start(ProxyOptions.builder(NODE_ID, InetAddress.getByName(POD_IP), controlPlane.address())
                .nodeCluster("productpage.default")
                .labels(Map.of("app", "productpage", "version", "v1"))
                .namespace("default")
                .podName("productpage-v1-abc")
                .role(ProxyRole.SIDECAR)
                .drawnSeed(7L)
                .build());
        proxy.ready().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopMesh() {
        proxy.close();
        proxy.close();
        for (AutoCloseable c : new AutoCloseable[] {v1, v2, flaky, app, controlPlane}) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @AfterEach
    void resetUpstreams() {
        v1.reset();
        v2.reset();
        flaky.reset();
    }

    private static TestHttp.Response get(String host, String path, String... headers) throws Exception {
        return TestHttp.get(OUTBOUND, host, path, headers);
    }

    private static String admin(String path) throws Exception {
        return TestHttp.get(proxy.adminAddress(), "admin", path).body();
    }

    private static JsonNode lastAccessLog() throws Exception {
        JsonNode entries = JSON.readTree(admin("/access_log?format=json"));
        return entries.get(entries.size() - 1);
    }

    private static long stat(String name) throws Exception {
        for (String line : admin("/stats").split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2));
            }
        }
        throw new AssertionError("no stat " + name);
    }

    @Test
    void hostHeaderRoutesToTheServiceThroughVirtualOutbound() throws Exception {
        TestHttp.Response r = get("reviews:9080", "/reviews/0", "User-Agent", "e2e");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("v1");
        assertThat(r.header("server")).isEqualTo("envoy");
        assertThat(r.header("x-envoy-upstream-service-time")).matches("\\d+");
        TestUpstream.Seen seen = v1.seen().get(v1.seen().size() - 1);
        assertThat(seen.uri()).isEqualTo("/reviews/0");
        assertThat(seen.header("host")).isEqualTo("reviews:9080");
        assertThat(seen.header("x-envoy-attempt-count")).isEqualTo("1");
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.header("x-request-id")).matches("[0-9a-f-]{36}");
        JsonNode log = lastAccessLog();
        assertThat(log.get("upstream_cluster").asText()).isEqualTo(REVIEWS_V1);
        assertThat(log.get("upstream_host").asText()).isEqualTo(V1_IP + ":9080");
        assertThat(log.get("response_flags").asText()).isEqualTo("-");
        assertThat(log.get("direction").asText()).isEqualTo("outbound");
        assertThat(log.get("request_id").asText()).isEqualTo(seen.header("x-request-id"));
    }

    @Test
    void anEmptyUpstreamAnswerIsPassedOnWithItsStatusAndHeaders() throws Exception {
        v1.behaviour(seen -> new TestUpstream.Reply(200, "", 0, Map.of("x-app", "empty")));
        TestHttp.Response r = get("reviews:9080", "/status/200");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("content-length")).isEqualTo("0");
        assertThat(r.header("x-app")).isEqualTo("empty");
        assertThat(r.header("x-envoy-upstream-service-time")).matches("\\d+");
        assertThat(lastAccessLog().get("response_code").asInt()).isEqualTo(200);
    }

    @Test
    void absoluteFormRequestLineIsRoutedByItsAuthority() throws Exception {
        try (TestHttp http = new TestHttp(OUTBOUND)) {
            TestHttp.Response r = http.request("GET", "http://reviews:9080/reviews/1?x=1", null, "x-request-id", "abc");
            assertThat(r.body()).isEqualTo("v1");
        }
        TestUpstream.Seen seen = v1.seen().get(v1.seen().size() - 1);
        assertThat(seen.uri()).isEqualTo("/reviews/1?x=1");
        assertThat(seen.header("host")).isEqualTo("reviews:9080");
        assertThat(seen.header("x-request-id")).isEqualTo("abc");
    }

    @Test
    void jasonIsRoutedToV2() throws Exception {
        assertThat(get("reviews:9080", "/reviews/0", "end-user", "jason").body())
                .isEqualTo("v2");
        assertThat(lastAccessLog().get("route_name").asText()).isEqualTo("jason");
    }

    @Test
    void weightedSplitOf90To10HoldsOver1000Requests() throws Exception {
        int toV2 = 0;
        try (TestHttp http = new TestHttp(OUTBOUND)) {
            for (int i = 0; i < 1000; i++) {
                if (http.request("GET", "/", "split:9080").body().equals("v2")) {
                    toV2++;
                }
            }
        }
        // 10 % of 1000 has a standard deviation of about 9.5: allow 4 of them.
        assertThat(toV2).isBetween(62, 138);
    }

    @Test
    void keepAliveReusesUpstreamConnections() throws Exception {
        long before = stat("cluster." + REVIEWS_V1 + ".upstream_cx_total");
        try (TestHttp http = new TestHttp(OUTBOUND)) {
            for (int i = 0; i < 200; i++) {
                assertThat(http.request("GET", "/reviews/" + i, "reviews:9080").status())
                        .isEqualTo(200);
            }
        }
        assertThat(stat("cluster." + REVIEWS_V1 + ".upstream_cx_total") - before)
                .isLessThanOrEqualTo(2);
        assertThat(stat("cluster." + REVIEWS_V1 + ".upstream_rq_total")).isGreaterThanOrEqualTo(200);
    }

    @Test
    void aPortNoServiceUsesPassesThroughAndAnUnresolvableHostFindsNoHealthyUpstream() throws Exception {
        // As Istio's PassthroughFilterChain under ALLOW_ANY: to the original destination, which "reviews" (a name
        // only the mesh knows) is not on this machine.
        TestHttp.Response r = get("reviews:7777", "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("UH");
        assertThat(lastAccessLog().get("upstream_cluster").asText()).isEqualTo("PassthroughCluster");
    }

    @Test
    void subsetWithoutEndpointsAnswers503WithFlagUH() throws Exception {
        TestHttp.Response r = get("empty:9080", "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("no healthy upstream");
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("UH");
    }

    @Test
    void refusedConnectionAnswers503WithFlagUFAfterIstioRetries() throws Exception {
        TestHttp.Response r = get("dead:9080", "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body())
                .isEqualTo(
                        "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
        JsonNode log = lastAccessLog();
        assertThat(log.get("response_flags").asText()).isEqualTo("UF,URX");
        assertThat(log.get("upstream_host").asText()).isEqualTo(DEAD_IP + ":9080");
        assertThat(stat("cluster." + DEAD + ".upstream_cx_connect_fail")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void missingClusterAnswers503WithFlagNC() throws Exception {
        assertThat(get("ghost:9080", "/").status()).isEqualTo(503);
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("NC");
    }

    @Test
    void routeTimeoutAnswers504WithFlagUT() throws Exception {
        v1.behaviour(s -> new TestUpstream.Reply(200, "late", 2000, Map.of()));
        // Over real sockets; how long it takes is router/RouterFilterTest's business, on a clock moved by hand.
        TestHttp.Response r = get("slow:9080", "/");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).isEqualTo("upstream request timeout");
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("UT");
    }

    @Test
    void timeoutHeaderOverridesTheRoute() throws Exception {
        v1.behaviour(s -> new TestUpstream.Reply(200, "late", 2000, Map.of()));
        TestHttp.Response r = get("reviews:9080", "/", "x-envoy-upstream-rq-timeout-ms", "100");
        assertThat(r.status()).isEqualTo(504);
    }

    @Test
    void fiveHundredsAreRetriedWhenTheRouteSays5xx() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        flaky.behaviour(s -> calls.incrementAndGet() <= 2
                ? new TestUpstream.Reply(503, "busy", 0, Map.of())
                : TestUpstream.Reply.ok("finally"));
        TestHttp.Response r = get("flaky:9080", "/");
        assertThat(r.body()).isEqualTo("finally");
        assertThat(flaky.seen())
                .extracting(s -> s.header("x-envoy-attempt-count"))
                .containsExactly("1", "2", "3");

        flaky.behaviour(s -> new TestUpstream.Reply(503, "busy", 0, Map.of()));
        TestHttp.Response exhausted = get("flaky:9080", "/");
        assertThat(exhausted.status()).isEqualTo(503);
        assertThat(exhausted.body()).isEqualTo("busy");
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("URX");
    }

    @Test
    void faultAbortAnswersWithItsStatusAndFlagFI() throws Exception {
        int before = v1.seen().size();
        TestHttp.Response r = get("aborted:9080", "/");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("fault filter abort");
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("FI");
        assertThat(v1.seen()).hasSize(before);
    }

    @Test
    void faultDelayHoldsTheRequestWithFlagDI() throws Exception {
        long start = System.nanoTime();
        TestHttp.Response r = get("delayed:9080", "/");
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(190);
        assertThat(r.body()).isEqualTo("v1");
        assertThat(lastAccessLog().get("response_flags").asText()).isEqualTo("DI");
    }

    @Test
    void mirroredCopyGoesToTheShadowWithShadowHost() throws Exception {
        assertThat(get("mirrored:9080", "/headers").body()).isEqualTo("v1");
        Await.until(Duration.ofSeconds(5), () -> !v2.seen().isEmpty(), "the mirrored request");
        assertThat(v2.seen().get(0).header("host")).isEqualTo("mirrored-shadow:9080");
    }

    @Test
    void inboundPortReachesTheAppThroughVirtualInbound() throws Exception {
        TestHttp.Response r = TestHttp.get(new InetSocketAddress(POD_IP, 9080), "productpage:9080", "/productpage");
        assertThat(r.body()).isEqualTo("inbound-app");
        JsonNode log = lastAccessLog();
        assertThat(log.get("direction").asText()).isEqualTo("inbound");
        assertThat(log.get("upstream_cluster").asText()).isEqualTo("inbound|9080||");
    }

    @Test
    void adminEndpointsAnswer() throws Exception {
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/ready").body()).isEqualTo("LIVE\n");
        assertThat(TestHttp.get(new InetSocketAddress(POD_IP, 15021), "a", "/healthz/ready")
                        .status())
                .isEqualTo(200);
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/nope").status()).isEqualTo(404);

        JsonNode dump = JSON.readTree(admin("/config_dump"));
        assertThat(dump.get("configs"))
                .extracting(c -> c.get("@type").asText())
                .containsExactly(
                        "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
                        "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
                        "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
                        "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
                        "type.googleapis.com/envoy.admin.v3.SecretsConfigDump");
        assertThat(dump.toString())
                .contains(
                        "envoy.extensions.filters.network.http_connection_manager.v3" + ".HttpConnectionManager",
                        "\"dynamic_listeners\"",
                        "outbound_0.0.0.0_9080");

        get("reviews:9080", "/");
        assertThat(admin("/clusters"))
                .contains(
                        REVIEWS_V1 + "::" + V1_IP + ":9080::rq_total::",
                        REVIEWS_V1 + "::" + V1_IP + ":9080::health_flags::healthy");
        assertThat(admin("/stats?filter=v2.reviews.*upstream_rq_total"))
                .startsWith("cluster." + REVIEWS_V2 + ".upstream_rq_total: ")
                .doesNotContain(REVIEWS_V1);
        assertThat(stat("http.outbound_0.0.0.0_9080.downstream_rq_2xx")).isPositive();
        assertThat(admin("/access_log")).contains("\"GET / HTTP/1.1\" 200 - via_upstream");

        JsonNode xds = JSON.readTree(admin("/xds_status"));
        JsonNode lds = xds.get("type.googleapis.com/envoy.config.listener.v3.Listener");
        assertThat(lds.get("version").asText()).isNotEmpty();
        assertThat(lds.get("nack_reason").isNull()).isTrue();

        long seq = lastAccessLog().get("seq").asLong();
        get("reviews:9080", "/since");
        JsonNode newer = JSON.readTree(admin("/access_log?format=json&since=" + seq));
        assertThat(newer).hasSize(1);
        assertThat(newer.get(0).get("path").asText()).isEqualTo("/since");
    }

    @Test
    void snapshotUpdateReroutesAndRebindsWithoutDroppingOtherListeners() throws Exception {
        String version = "update-" + VERSIONS.incrementAndGet();
        controlPlane.setAndAwaitAck(NODE_ID, SidecarMesh.snapshot(version, REVIEWS_V2, 9080, 9081), version);
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return TestHttp.get(new InetSocketAddress(POD_IP, 9081), "x", "/")
                                        .status()
                                == 503;
                    } catch (Exception e) {
                        return false;
                    }
                },
                "listener on 9081");
        assertThat(get("reviews:9080", "/").body()).isEqualTo("v2");
        assertThat(TestHttp.get(new InetSocketAddress(POD_IP, 9080), "x", "/").body())
                .isEqualTo("inbound-app");

        String back = "update-" + VERSIONS.incrementAndGet();
        controlPlane.setAndAwaitAck(NODE_ID, SidecarMesh.snapshot(back), back);
        assertThat(get("reviews:9080", "/").body()).isEqualTo("v1");
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        TestHttp.get(new InetSocketAddress(POD_IP, 9081), "x", "/");
                        return false;
                    } catch (Exception e) {
                        return true;
                    }
                },
                "listener on 9081 to close");
    }
}
