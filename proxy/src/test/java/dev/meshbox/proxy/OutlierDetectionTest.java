package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.testing.FakeTicker;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three real hosts, one always answering 500, consecutive5xxErrors 1, interval 1 s, base ejection 3 min. */
class OutlierDetectionTest {

    private static final String POD_IP = "127.0.0.171";
    private static final String[] HOST_IPS = {"127.0.0.172", "127.0.0.173", "127.0.0.174"};
    private static final String SVC = "outbound|9080||ratings.default.svc.cluster.local";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);
    private static final FakeTicker TICKER = new FakeTicker();

    private static TestControlPlane controlPlane;
    private static TestUpstream[] upstreams = new TestUpstream[3];
    private static Proxy proxy;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        for (int i = 0; i < 3; i++) {
            upstreams[i] = new TestUpstream("ratings-" + i, HOST_IPS[i], 9080);
        }
        upstreams[0].behaviour(s -> new TestUpstream.Reply(500, "broken", 0, Map.of()));
        Cluster cluster = Sidecars.withOutlier(edsCluster(SVC, Cluster.LbPolicy.ROUND_ROBIN), 1, 1, 180, 100);
        controlPlane.set(
                Sidecars.nodeId(POD_IP, "reviews-v2-171"),
                Snapshot.create(
                        List.of(cluster),
                        List.of(cla(SVC, HOST_IPS[0] + ":9080", HOST_IPS[1] + ":9080", HOST_IPS[2] + ":9080")),
                        List.of(virtualOutbound(), outboundPort(9080)),
                        List.of(routeConfig(
                                "9080", service("ratings", "default", 9080, route("", prefix("/"), cluster(SVC))))),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(
                controlPlane,
                POD_IP,
                "reviews",
                "v2",
                o -> o.toBuilder().ticker(TICKER).build());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        for (TestUpstream u : upstreams) {
            u.close();
        }
        controlPlane.close();
    }

    private static int[] send(int n) throws Exception {
        int[] statuses = new int[n];
        try (TestHttp http = new TestHttp(OUTBOUND)) {
            for (int i = 0; i < n; i++) {
                statuses[i] = http.request("GET", "/ratings/0", "ratings:9080").status();
            }
        }
        return statuses;
    }

    @Test
    void theFailingHostIsEjectedAfterItsFirst500AndReturnsAfterTheBaseEjectionTime() throws Exception {
        int[] first = send(3);
        assertThat(first).containsOnlyOnce(500);
        int seenByBad = upstreams[0].seen().size();

        assertThat(send(30)).containsOnly(200);
        assertThat(upstreams[0].seen()).hasSize(seenByBad);
        String clusters = TestHttp.get(proxy.adminAddress(), "a", "/clusters").body();
        assertThat(clusters)
                .contains(
                        SVC + "::" + HOST_IPS[0] + ":9080::health_flags::/failed_outlier_check",
                        SVC + "::" + HOST_IPS[1] + ":9080::health_flags::healthy");
        String stats = TestHttp.get(proxy.adminAddress(), "a", "/stats?filter=outlier_detection")
                .body();
        assertThat(stats)
                .contains(
                        "cluster." + SVC + ".outlier_detection.ejections_active: 1",
                        "cluster." + SVC + ".outlier_detection.ejections_enforced_total: 1",
                        "cluster." + SVC + ".outlier_detection.ejections_enforced_consecutive_5xx: 1",
                        "cluster." + SVC + ".outlier_detection.ejections_overflow: 0");

        TICKER.advance(Duration.ofMinutes(3).plusSeconds(1));
        int[] after = send(3);
        assertThat(after).containsOnlyOnce(500);
        assertThat(upstreams[0].seen()).hasSize(seenByBad + 1);
    }
}
