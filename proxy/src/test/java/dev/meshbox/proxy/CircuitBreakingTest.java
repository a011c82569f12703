package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's circuit-breaking task: DestinationRule httpbin with maxConnections 1, http1MaxPendingRequests 1,
 * maxRequestsPerConnection 1 and outlier detection, and a fortio-like client with 3 keep-alive connections.
 */
class CircuitBreakingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD_IP = "127.0.0.151";
    private static final String HTTPBIN_IP = "127.0.0.152";
    private static final String HTTPBIN = "outbound|8000||httpbin.default.svc.cluster.local";
    private static final String FLAKY = "outbound|8000||flaky.default.svc.cluster.local";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);

    private static TestControlPlane controlPlane;
    private static TestUpstream httpbin;
    private static TestUpstream flaky;
    private static Proxy proxy;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        httpbin = new TestUpstream("httpbin", HTTPBIN_IP, 8000);
        flaky = new TestUpstream("flaky", HTTPBIN_IP, 8001);
        Cluster cb = Sidecars.withOutlier(
                Sidecars.withMaxRequestsPerConnection(
                        Sidecars.withCircuitBreakers(
                                edsCluster(HTTPBIN, Cluster.LbPolicy.LEAST_REQUEST), 1, 1, 1024, 1024),
                        1),
                1,
                1,
                180,
                100);
        Cluster noRetries =
                Sidecars.withCircuitBreakers(edsCluster(FLAKY, Cluster.LbPolicy.ROUND_ROBIN), 1024, 1024, 1024, 0);
        var routes = routeConfig(
                "8000",
                service("httpbin", "default", 8000, route("", prefix("/"), cluster(HTTPBIN))),
                service(
                        "flaky",
                        "default",
                        8000,
                        route(
                                "",
                                prefix("/"),
                                cluster(FLAKY)
                                        .setRetryPolicy(RetryPolicy.newBuilder()
                                                .setRetryOn("5xx")
                                                .setNumRetries(UInt32Value.of(2))))));
        String node = Sidecars.nodeId(POD_IP, "fortio-v1-151");
        controlPlane.set(
                node,
                Snapshot.create(
                        List.of(cb, noRetries),
                        List.of(cla(HTTPBIN, HTTPBIN_IP + ":8000"), cla(FLAKY, HTTPBIN_IP + ":8001")),
                        List.of(virtualOutbound(), outboundPort(8000)),
                        List.of(routes),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "fortio", "v1", o -> o);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        httpbin.close();
        flaky.close();
        controlPlane.close();
    }

    private static long stat(String name) throws Exception {
        for (String line :
                TestHttp.get(proxy.adminAddress(), "admin", "/stats").body().split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2));
            }
        }
        throw new AssertionError("no stat " + name);
    }

    @Test
    void fortioWithThreeConnectionsSees200sAndOverflow503sFlaggedUO() throws Exception {
        httpbin.behaviour(s -> new TestUpstream.Reply(200, "{\"url\":\"/get\"}", 1, Map.of()));
        long overflowBefore = stat("cluster." + HTTPBIN + ".upstream_rq_pending_overflow");
        long logBefore = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                        .body())
                .size();
        ExecutorService fortio = Executors.newFixedThreadPool(3);
        List<Future<List<TestHttp.Response>>> connections = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            Callable<List<TestHttp.Response>> connection = () -> {
                List<TestHttp.Response> out = new ArrayList<>();
                try (TestHttp http = new TestHttp(OUTBOUND)) {
                    for (int i = 0; i < 10; i++) {
                        out.add(http.request("GET", "/get", "httpbin:8000"));
                    }
                }
                return out;
            };
            connections.add(fortio.submit(connection));
        }
        List<TestHttp.Response> responses = new ArrayList<>();
        for (var f : connections) {
            responses.addAll(f.get(20, TimeUnit.SECONDS));
        }
        fortio.shutdown();

        long ok = responses.stream().filter(r -> r.status() == 200).count();
        long overflowed = responses.stream().filter(r -> r.status() == 503).count();
        assertThat(ok + overflowed).isEqualTo(30);
        assertThat(ok).isPositive();
        assertThat(overflowed).isPositive();
        assertThat(responses.stream().filter(r -> r.status() == 503))
                .allSatisfy(r -> assertThat(r.body())
                        .isEqualTo(
                                "upstream connect error or disconnect/reset before headers. reset reason: overflow"));
        JsonNode log = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        List<JsonNode> entries = new ArrayList<>();
        log.forEach(entries::add);
        entries = entries.subList((int) logBefore, entries.size());
        assertThat(entries)
                .filteredOn(e -> e.get("response_code").asInt() == 503)
                .hasSize((int) overflowed)
                .allSatisfy(e -> assertThat(e.get("response_flags").asText()).isEqualTo("UO"));
        assertThat(stat("cluster." + HTTPBIN + ".upstream_rq_pending_overflow") - overflowBefore)
                .isEqualTo(overflowed);
        // Overflow is not an upstream answer: outlier detection (consecutive 5xx = 1) ejected nobody.
        assertThat(stat("cluster." + HTTPBIN + ".outlier_detection.ejections_enforced_total"))
                .isZero();
        assertThat(stat("cluster." + HTTPBIN + ".upstream_rq_5xx")).isZero();
    }

    @Test
    void retryCircuitBreakerAtZeroStopsTheRetryAndFlagsUO() throws Exception {
        flaky.behaviour(s -> new TestUpstream.Reply(503, "busy", 0, Map.of()));
        int before = flaky.seen().size();
        TestHttp.Response r = TestHttp.get(OUTBOUND, "flaky:8000", "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("busy");
        assertThat(flaky.seen().size() - before).isEqualTo(1);
        assertThat(stat("cluster." + FLAKY + ".upstream_rq_retry_overflow")).isEqualTo(1);
        JsonNode log = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        assertThat(log.get(log.size() - 1).get("response_flags").asText()).isEqualTo("UO");
    }
}
