package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Envoy's cluster warming: a new EDS cluster serves only once its endpoints have arrived, so there is no UH. */
class WarmingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD_IP = "127.0.0.221";
    private static final String UPSTREAM_IP = "127.0.0.222";
    private static final String OLD = "outbound|9080||old.default.svc.cluster.local";
    private static final String FRESH = "outbound|9080||fresh.default.svc.cluster.local";
    private static final String NODE = Sidecars.nodeId(POD_IP, "productpage-v1-221");
    private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    private static TestControlPlane controlPlane;
    private static TestUpstream upstream;
    private static Proxy proxy;

    private static RouteConfiguration routes() {
        return routeConfig(
                "9080",
                service("old", "default", 9080, route("", prefix("/"), cluster(OLD))),
                service("fresh", "default", 9080, route("", prefix("/"), cluster(FRESH))));
    }

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        upstream = new TestUpstream("fresh-app", UPSTREAM_IP, 9080);
        controlPlane.set(
                NODE,
                Snapshot.create(
                        List.of(edsCluster(OLD, Cluster.LbPolicy.ROUND_ROBIN)),
                        List.of(cla(OLD, UPSTREAM_IP + ":9080")),
                        List.of(virtualOutbound(), outboundPort(9080)),
                        List.of(routes()),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "productpage", "v1", o -> o);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
        controlPlane.close();
    }

    private static boolean acked(String type, String version) {
        return controlPlane.requests().stream()
                .anyMatch(r -> r.getNode().getId().equals(NODE)
                        && r.getTypeUrl().equals(type)
                        && r.getVersionInfo().equals(version)
                        && !r.getResponseNonce().isEmpty()
                        && !r.hasErrorDetail());
    }

    @Test
    void aNewClusterWaitsForItsEndpointsInsteadOfAnsweringNoHealthyUpstream() throws Exception {
        InetSocketAddress outbound = new InetSocketAddress(POD_IP, 15001);
        // CDS adds "fresh"; its load assignment is not there yet: the server holds EDS back at version 1. (With EDS
        // at a new version, java-control-plane would answer the proxy's request for "fresh" with nothing and drop
        // its watch if that request raced with setting this snapshot; the proxy would then never hear of version 3.)
        controlPlane.set(
                NODE,
                Snapshot.create(
                        List.of(
                                edsCluster(OLD, Cluster.LbPolicy.ROUND_ROBIN),
                                edsCluster(FRESH, Cluster.LbPolicy.ROUND_ROBIN)),
                        "2",
                        List.of(cla(OLD, UPSTREAM_IP + ":9080")),
                        "1",
                        List.of(virtualOutbound(), outboundPort(9080)),
                        "2",
                        List.of(routes()),
                        "2",
                        List.of(),
                        "2"));
        Await.until(Duration.ofSeconds(10), () -> acked(CDS, "2"), "CDS version 2 to be applied");

        TestHttp.Response warming = TestHttp.get(outbound, "fresh:9080", "/");
        assertThat(warming.status()).isEqualTo(503);
        JsonNode log = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        assertThat(log.get(log.size() - 1).get("response_flags").asText()).isEqualTo("NC");
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/clusters").body()).doesNotContain(FRESH);
        assertThat(TestHttp.get(outbound, "old:9080", "/").body()).isEqualTo("fresh-app");

        controlPlane.set(
                NODE,
                Snapshot.create(
                        List.of(
                                edsCluster(OLD, Cluster.LbPolicy.ROUND_ROBIN),
                                edsCluster(FRESH, Cluster.LbPolicy.ROUND_ROBIN)),
                        List.of(cla(OLD, UPSTREAM_IP + ":9080"), cla(FRESH, UPSTREAM_IP + ":9080")),
                        List.of(virtualOutbound(), outboundPort(9080)),
                        List.of(routes()),
                        List.of(),
                        "3"));
        try {
            Await.until(Duration.ofSeconds(10), () -> controlPlane.acked(NODE, "3"), "version 3");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last requests:" + controlPlane.describe(NODE), e);
        }
        assertThat(TestHttp.get(outbound, "fresh:9080", "/").body()).isEqualTo("fresh-app");
        assertThat(acked(RDS, "3")).isTrue();
    }
}
