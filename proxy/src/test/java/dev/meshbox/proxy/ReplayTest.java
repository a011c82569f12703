package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With an explicit seed, each request's random decisions depend on its x-request-id only. */
class ReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "outbound|9080|a|canary.default.svc.cluster.local";
    private static final String B = "outbound|9080|b|canary.default.svc.cluster.local";
    private static final List<String> IDS = new ArrayList<>();

    private static TestControlPlane controlPlane;
    private static final List<Proxy> PROXIES = new ArrayList<>();

    private static Snapshot snapshot() {
        HTTPFault abortHalf = HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder()
                        .setHttpStatus(500)
                        .setPercentage(FractionalPercent.newBuilder().setNumerator(50)))
                .build();
        return Snapshot.create(
                List.of(edsCluster(A, Cluster.LbPolicy.RANDOM), edsCluster(B, Cluster.LbPolicy.RANDOM)),
                List.of(cla(A), cla(B)),
                List.of(virtualOutbound(), outboundPort(9080)),
                List.of(routeConfig(
                        "9080",
                        service(
                                "canary",
                                "default",
                                9080,
                                withFault(route("split", prefix("/"), weighted(Map.of(A, 50, B, 50))), abortHalf)))),
                List.of(),
                "1");
    }

    private static Proxy start(String ip, long seed) throws Exception {
        controlPlane.set(Sidecars.nodeId(ip, "client-v1-" + ip.substring(ip.lastIndexOf('.') + 1)), snapshot());
        Proxy p = Sidecars.start(controlPlane, ip, "client", "v1", o -> o.withExplicitSeed(seed));
        PROXIES.add(p);
        return p;
    }

    @BeforeAll
    static void startMesh() throws Exception {
        controlPlane = new TestControlPlane();
        for (int i = 0; i < 1000; i++) {
            IDS.add("replay-" + i);
        }
    }

    @AfterAll
    static void stop() {
        PROXIES.forEach(Proxy::close);
        controlPlane.close();
    }

    /** Sends every id through the proxy, on {@code threads} keep-alive connections, in {@code ids} order. */
    private static Map<String, String> decisions(Proxy proxy, List<String> ids, int threads) throws Exception {
        InetSocketAddress outbound = new InetSocketAddress(proxy.options().bindAddress(), 15001);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            work.add(pool.submit(() -> {
                try (TestHttp http = new TestHttp(outbound)) {
                    for (int i = offset; i < ids.size(); i += threads) {
                        http.request("GET", "/", "canary:9080", "x-request-id", ids.get(i));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        Map<String, String> out = new HashMap<>();
        JsonNode log = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        log.forEach(e -> out.put(
                e.get("request_id").asText(),
                e.get("upstream_cluster").asText() + " "
                        + e.get("response_code").asInt()));
        return out;
    }

    @Test
    void sameSeedSameRequestIdsSameDecisionsWhateverTheOrderAndConcurrency() throws Exception {
        Map<String, String> first = decisions(start("127.0.0.211", 42), IDS, 1);
        List<String> reversed = new ArrayList<>(IDS);
        Collections.reverse(reversed);
        Map<String, String> second = decisions(start("127.0.0.212", 42), reversed, 4);
        Map<String, String> otherSeed = decisions(start("127.0.0.213", 43), IDS, 1);

        assertThat(first).hasSize(1000).isEqualTo(second);
        assertThat(first.values().stream().filter(v -> v.startsWith(A)).count()).isBetween(400L, 600L);
        assertThat(first.values().stream().filter(v -> v.endsWith(" 500")).count())
                .isBetween(400L, 600L);
        long differing = IDS.stream()
                .filter(id -> !first.get(id).equals(otherSeed.get(id)))
                .count();
        assertThat(differing).isGreaterThan(300);
    }
}
