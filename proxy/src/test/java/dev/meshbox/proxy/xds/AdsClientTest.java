package dev.meshbox.proxy.xds;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's ADS client against a real java-control-plane server: subscriptions, ACK, NACK, reconnect. */
class AdsClientTest {

    private static final String POD_IP = "127.0.0.102";
    private static final String UPSTREAM_IP = "127.0.0.115";
    private static final String NODE = "sidecar~" + POD_IP + "~details-v1-xyz.default~default.svc.cluster.local";
    private static final String DETAILS = "outbound|9080||details.default.svc.cluster.local";
    private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private TestControlPlane controlPlane;
    private TestUpstream details;
    private Proxy proxy;

    @BeforeEach
    void start() throws Exception {
        controlPlane = new TestControlPlane();
        details = new TestUpstream("details", UPSTREAM_IP, 9080);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        details.close();
        controlPlane.close();
    }

    private Proxy startProxy(InetSocketAddress xds) throws Exception {
        return Proxy.start(ProxyOptions.builder(NODE, InetAddress.getByName(POD_IP), xds)
                .nodeCluster("details.default")
                .labels(Map.of("app", "details"))
                .namespace("default")
                .podName("details-v1-xyz")
                .role(ProxyRole.SIDECAR)
                .adminPort(0)
                .drawnSeed(1L)
                .healthPort(0)
                .build());
    }

    private static Snapshot snapshot(String version, RouteMatch.Builder match) {
        RouteConfiguration routes =
                routeConfig("9080", service("details", "default", 9080, route("details", match, cluster(DETAILS))));
        return Snapshot.create(
                List.of(edsCluster(DETAILS, Cluster.LbPolicy.ROUND_ROBIN)),
                List.of(cla(DETAILS, UPSTREAM_IP + ":9080")),
                List.of(virtualOutbound(), outboundPort(9080)),
                List.of(routes),
                List.of(),
                version);
    }

    private static RouteMatch.Builder regex(String regex) {
        return RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(regex));
    }

    private static TestHttp.Response get(String path) throws Exception {
        return TestHttp.get(new InetSocketAddress(POD_IP, 15001), "details:9080", path);
    }

    private JsonNode xdsStatus() throws Exception {
        return new ObjectMapper()
                .readTree(TestHttp.get(proxy.adminAddress(), "a", "/xds_status").body());
    }

    @Test
    void subscribesToEveryTypeAndAcksEachResponse() throws Exception {
        controlPlane.set(NODE, snapshot("v1", prefix("/details")));
        proxy = startProxy(controlPlane.address());
        proxy.ready().get(10, TimeUnit.SECONDS);

        Await.until(Duration.ofSeconds(5), () -> controlPlane.acked(NODE, "v1"), "ACKs of v1");
        List<DiscoveryRequest> requests = controlPlane.requests();
        assertThat(requests).filteredOn(r -> r.getTypeUrl().equals(LDS)).first().satisfies(r -> {
            assertThat(r.getResourceNamesList()).isEmpty();
            assertThat(r.getNode().getCluster()).isEqualTo("details.default");
            assertThat(r.getNode().getMetadata().getFieldsOrThrow("NAMESPACE").getStringValue())
                    .isEqualTo("default");
        });
        assertThat(requests)
                .filteredOn(r -> r.getTypeUrl().equals(RDS))
                .last()
                .satisfies(r -> assertThat(r.getResourceNamesList()).containsExactly("9080"));
        assertThat(requests)
                .filteredOn(r -> r.getTypeUrl().equals(EDS))
                .last()
                .satisfies(r -> assertThat(r.getResourceNamesList()).containsExactly(DETAILS));
        assertThat(requests).noneMatch(DiscoveryRequest::hasErrorDetail);
        assertThat(get("/details/0").body()).isEqualTo("details");
        assertThat(xdsStatus().get(RDS).get("version").asText()).isEqualTo("v1");
    }

    @Test
    void invalidRegexIsNackedAndTheOldRoutesKeepServing() throws Exception {
        controlPlane.set(NODE, snapshot("v1", regex("/details/[0-9]+")));
        proxy = startProxy(controlPlane.address());
        proxy.ready().get(10, TimeUnit.SECONDS);
        assertThat(get("/details/1").body()).isEqualTo("details");

        controlPlane.set(NODE, snapshot("v2", regex("/details/[0-9+")));
        Await.until(
                Duration.ofSeconds(5),
                () -> controlPlane.requests().stream()
                        .anyMatch(r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail()),
                "a NACK of RDS v2");

        DiscoveryRequest nack = controlPlane.requests().stream()
                .filter(r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail())
                .findFirst()
                .orElseThrow();
        assertThat(nack.getVersionInfo()).isEqualTo("v1");
        assertThat(nack.getErrorDetail().getMessage())
                .contains("route_config 9080", "safe_regex", "invalid regular expression '/details/[0-9+'");
        assertThat(get("/details/2").body()).isEqualTo("details");
        assertThat(get("/other").status()).isEqualTo(404);
        JsonNode rds = xdsStatus().get(RDS);
        assertThat(rds.get("version").asText()).isEqualTo("v1");
        assertThat(rds.get("nack_reason").asText()).contains("invalid regular expression");

        controlPlane.set(NODE, snapshot("v3", prefix("/")));
        Await.until(Duration.ofSeconds(10), () -> controlPlane.acked(NODE, "v3"), "ACK of the fixed v3");
        assertThat(get("/other").body()).isEqualTo("details");
        assertThat(xdsStatus().get(RDS).get("nack_reason").isNull()).isTrue();
        long nacks = controlPlane.requests().stream()
                .filter(DiscoveryRequest::hasErrorDetail)
                .count();
        assertThat(nacks).as("NACKs are backed off, not a hot loop").isLessThan(20);
    }

    @Test
    void reconnectsAfterTheServerGoesAwayAndResumesFromItsVersion() throws Exception {
        controlPlane.set(NODE, snapshot("v1", prefix("/")));
        InetSocketAddress address = controlPlane.address();
        proxy = startProxy(address);
        proxy.ready().get(10, TimeUnit.SECONDS);
        controlPlane.close();
        assertThat(get("/still-served").body()).isEqualTo("details");

        controlPlane = new TestControlPlane(address.getPort());
        controlPlane.set(NODE, snapshot("v2", prefix("/")));
        Await.until(Duration.ofSeconds(10), () -> controlPlane.acked(NODE, "v2"), "ACK of v2 after reconnecting");
        assertThat(controlPlane.requests())
                .filteredOn(r -> r.getTypeUrl().equals(LDS))
                .first()
                .satisfies(r -> assertThat(r.getVersionInfo()).isEqualTo("v1"));
    }

    @Test
    void readyWaitsForTheFirstSnapshot() throws Exception {
        proxy = startProxy(controlPlane.address());
        TestHttp.Response before = TestHttp.get(proxy.adminAddress(), "a", "/ready");
        assertThat(before.status()).isEqualTo(503);
        assertThat(before.body()).isEqualTo("PRE_INITIALIZING\n");
        assertThat(proxy.ready()).isNotDone();

        controlPlane.set(NODE, snapshot("v1", prefix("/")));
        proxy.ready().get(10, TimeUnit.SECONDS);
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/ready").body()).isEqualTo("LIVE\n");
    }
}
