package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DestinationRule consistentHash: RING_HASH clusters and route hash policies (header, cookie with ttl). */
class ConsistentHashTest {

    private static final String POD_IP = "127.0.0.191";
    private static final String[] HOST_IPS = {"127.0.0.192", "127.0.0.193", "127.0.0.194"};
    private static final String SVC = "outbound|9080||details.default.svc.cluster.local";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);

    private static TestControlPlane controlPlane;
    private static final TestUpstream[] UPSTREAMS = new TestUpstream[3];
    private static Proxy proxy;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        for (int i = 0; i < 3; i++) {
            UPSTREAMS[i] = new TestUpstream("details-" + i, HOST_IPS[i], 9080);
        }
        RouteAction.Builder byHeader = cluster(SVC)
                .addHashPolicy(RouteAction.HashPolicy.newBuilder()
                        .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")));
        RouteAction.Builder byCookie = cluster(SVC)
                .addHashPolicy(RouteAction.HashPolicy.newBuilder()
                        .setCookie(RouteAction.HashPolicy.Cookie.newBuilder()
                                .setName("session")
                                .setPath("/")
                                .setTtl(com.google.protobuf.Duration.newBuilder()
                                        .setSeconds(60))));
        controlPlane.set(
                Sidecars.nodeId(POD_IP, "productpage-v1-191"),
                Snapshot.create(
                        List.of(edsCluster(SVC, Cluster.LbPolicy.RING_HASH)),
                        List.of(cla(SVC, HOST_IPS[0] + ":9080", HOST_IPS[1] + ":9080", HOST_IPS[2] + ":9080")),
                        List.of(virtualOutbound(), outboundPort(9080)),
                        List.of(routeConfig(
                                "9080",
                                service(
                                        "details",
                                        "default",
                                        9080,
                                        route("cookie", prefix("/cookie"), byCookie),
                                        route("header", prefix("/"), byHeader)))),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "productpage", "v1", o -> o);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        for (TestUpstream u : UPSTREAMS) {
            u.close();
        }
        controlPlane.close();
    }

    @Test
    void theSameHeaderValueAlwaysReachesTheSameHost() throws Exception {
        Set<String> hostsForUsers = new HashSet<>();
        for (int user = 0; user < 30; user++) {
            Set<String> hosts = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                hosts.add(TestHttp.get(OUTBOUND, "details:9080", "/details/0", "x-user", "user-" + user)
                        .body());
            }
            assertThat(hosts).hasSize(1);
            hostsForUsers.addAll(hosts);
        }
        assertThat(hostsForUsers).hasSizeGreaterThan(1);
    }

    @Test
    void requestsWithoutTheHeaderSpreadRandomly() throws Exception {
        Set<String> hosts = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            hosts.add(TestHttp.get(OUTBOUND, "details:9080", "/details/0").body());
        }
        assertThat(hosts).hasSize(3);
    }

    @Test
    void aMissingCookieIsGeneratedAndThenPinsTheHost() throws Exception {
        TestHttp.Response first = TestHttp.get(OUTBOUND, "details:9080", "/cookie");
        String setCookie = first.header("set-cookie");
        assertThat(setCookie).matches("session=\"[0-9a-f]{16}\"; Max-Age=60; Path=/; HttpOnly");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        for (int i = 0; i < 10; i++) {
            TestHttp.Response again = TestHttp.get(OUTBOUND, "details:9080", "/cookie", "Cookie", cookie);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(again.header("set-cookie")).isNull();
        }
    }
}
