package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * EDS priorities over real sockets: a caller whose priority-0 host stops accepting fails over to priority 1 after one
 * failed request (outlier detection, consecutive5xxErrors 1), as in Istio's locality failover task; {@code POST
 * /drain_listeners} stops the proxy's own listeners and drains the connections they accepted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalityFailoverTest {

    private static final String POD_IP = "127.0.0.191";
    private static final String ZONE1 = "127.0.0.192";
    private static final String ZONE2 = "127.0.0.193";
    private static final String SVC = "outbound|5000||helloworld.sample.svc.cluster.local";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);

    private static TestControlPlane controlPlane;
    private static TestUpstream zone1;
    private static TestUpstream zone2;
    private static Proxy proxy;

    private static LocalityLbEndpoints at(String ip, String region, String zone, int priority) {
        return cla(SVC, ip + ":5000").getEndpoints(0).toBuilder()
                .setLocality(Locality.newBuilder().setRegion(region).setZone(zone))
                .setPriority(priority)
                .build();
    }

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        zone1 = new TestUpstream("helloworld-region1.zone1", ZONE1, 5000);
        zone2 = new TestUpstream("helloworld-region1.zone2", ZONE2, 5000);
        Cluster cluster = Sidecars.withMaxRequestsPerConnection(
                Sidecars.withOutlier(edsCluster(SVC, Cluster.LbPolicy.ROUND_ROBIN), 1, 1, 60, 100), 1);
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder()
                .setClusterName(SVC)
                .addEndpoints(at(ZONE1, "region1", "zone1", 0))
                .addEndpoints(at(ZONE2, "region1", "zone2", 1))
                .build();
        controlPlane.set(
                Sidecars.nodeId(POD_IP, "sleep-v1-191"),
                Snapshot.create(
                        List.of(cluster),
                        List.of(cla),
                        List.of(virtualOutbound(), outboundPort(5000)),
                        List.of(routeConfig(
                                "5000", service("helloworld", "sample", 5000, route("", prefix("/"), cluster(SVC))))),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "sleep", "v1", o -> o);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        zone1.close();
        zone2.close();
        controlPlane.close();
    }

    private static List<Integer> send(int n) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (TestHttp http = new TestHttp(OUTBOUND)) {
                statuses.add(
                        http.request("GET", "/hello", "helloworld.sample:5000").status());
            }
        }
        return statuses;
    }

    @Test
    @Order(1)
    void trafficStaysInPriorityZeroThenFailsOverWhenItStopsAccepting() throws Exception {
        assertThat(send(5)).containsOnly(200);
        assertThat(zone1.seen()).hasSize(5);
        assertThat(zone2.seen()).isEmpty();
        String clusters = TestHttp.get(proxy.adminAddress(), "a", "/clusters").body();
        assertThat(clusters)
                .contains(
                        SVC + "::" + ZONE1 + ":5000::region::region1",
                        SVC + "::" + ZONE1 + ":5000::zone::zone1",
                        SVC + "::" + ZONE1 + ":5000::sub_zone::",
                        SVC + "::" + ZONE1 + ":5000::priority::0",
                        SVC + "::" + ZONE2 + ":5000::zone::zone2",
                        SVC + "::" + ZONE2 + ":5000::priority::1");

        zone1.close();
        List<Integer> after = send(6);
        // The first request meets the refused connection (a 503, or a 200 where a retry reached zone2); the host is
        // then ejected and everything goes to priority 1.
        assertThat(after.get(0)).isIn(200, 503);
        assertThat(after.subList(1, 6)).containsOnly(200);
        assertThat(zone2.seen()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/clusters").body())
                .contains(SVC + "::" + ZONE1 + ":5000::health_flags::/failed_outlier_check");
    }

    @Test
    @Order(2)
    void drainListenersWantsPostThenStopsAccepting() throws Exception {
        try (TestHttp admin = new TestHttp(proxy.adminAddress())) {
            TestHttp.Response get = admin.request("GET", "/drain_listeners", "a");
            assertThat(get.status()).isEqualTo(405);
            assertThat(get.body()).isEqualTo("Method GET not allowed, POST required.\n");
        }
        try (Socket s = new Socket(OUTBOUND.getAddress(), OUTBOUND.getPort())) {
            assertThat(s.isConnected()).isTrue();
        }
        try (TestHttp admin = new TestHttp(proxy.adminAddress())) {
            TestHttp.Response post = admin.request("POST", "/drain_listeners?inboundonly", "a");
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.body()).isEqualTo("OK\n");
        }
        // inboundonly leaves the outbound listener alone; a plain drain stops it.
        try (Socket s = new Socket(OUTBOUND.getAddress(), OUTBOUND.getPort())) {
            assertThat(s.isConnected()).isTrue();
        }
        assertThat(TestHttp.get(proxy.healthAddress(), "a", "/healthz/ready").status())
                .isEqualTo(200);
        try (TestHttp keepAlive = new TestHttp(OUTBOUND)) {
            TestHttp.Response before = keepAlive.request("GET", "/hello", "helloworld.sample:5000");
            assertThat(before.status()).isEqualTo(200);
            assertThat(before.header("connection")).isNull();
            try (TestHttp admin = new TestHttp(proxy.adminAddress())) {
                assertThat(admin.request("POST", "/drain_listeners", "a").status())
                        .isEqualTo(200);
            }
            // The connection accepted before the drain drains as Envoy's: its next answer closes it.
            TestHttp.Response after = keepAlive.request("GET", "/hello", "helloworld.sample:5000");
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.header("connection")).isEqualTo("close");
        }
        // Envoy's 15021 is a listener too: a fully drained proxy is no longer ready.
        assertThat(TestHttp.get(proxy.healthAddress(), "a", "/healthz/ready").status())
                .isEqualTo(503);
        long deadline = System.nanoTime() + 5_000_000_000L;
        boolean refused = false;
        while (!refused && System.nanoTime() < deadline) {
            try (Socket s = new Socket(OUTBOUND.getAddress(), OUTBOUND.getPort())) {
                Thread.sleep(20);
            } catch (IOException e) {
                refused = true;
            }
        }
        assertThat(refused).as("connections refused after drain").isTrue();
        assertThatThrownBy(() -> new Socket(OUTBOUND.getAddress(), OUTBOUND.getPort()).close())
                .isInstanceOf(IOException.class);
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/listeners").status())
                .isEqualTo(200);
    }
}
