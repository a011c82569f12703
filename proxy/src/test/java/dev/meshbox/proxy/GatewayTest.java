package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ingress gateway from Istio's ingress task: host httpbin.example.com, prefixes /status and /delay. */
class GatewayTest {

    private static final String GATEWAY_IP = "127.0.0.103";
    private static final String HTTPBIN_IP = "127.0.0.116";
    private static final String NODE =
            "router~" + GATEWAY_IP + "~istio-ingressgateway-abc.istio-system~istio-system.svc.cluster.local";
    private static final String HTTPBIN = "outbound|8000||httpbin.default.svc.cluster.local";

    private static TestControlPlane controlPlane;
    private static TestUpstream httpbin;
    private static Proxy gateway;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        httpbin = new TestUpstream("httpbin", HTTPBIN_IP, 8000);
        VirtualHost host = VirtualHost.newBuilder()
                .setName("httpbin.example.com:8080")
                .addDomains("httpbin.example.com")
                .addDomains("httpbin.example.com:8080")
                .addRoutes(route("", prefix("/status"), cluster(HTTPBIN)))
                .addRoutes(route("", prefix("/delay"), cluster(HTTPBIN)))
                .build();
        controlPlane.set(
                NODE,
                Snapshot.create(
                        List.of(edsCluster(HTTPBIN, Cluster.LbPolicy.LEAST_REQUEST)),
                        List.of(cla(HTTPBIN, HTTPBIN_IP + ":8000")),
                        List.of(gateway(8080)),
                        List.of(routeConfig("http.8080", host)),
                        List.of(),
                        "1"));
        gateway = Proxy.start(ProxyOptions.builder(NODE, InetAddress.getByName(GATEWAY_IP), controlPlane.address())
                .nodeCluster("istio-ingressgateway.istio-system")
                .labels(Map.of("app", "istio-ingressgateway"))
                .namespace("istio-system")
                .podName("istio-ingressgateway-abc")
                .role(ProxyRole.GATEWAY)
                .drawnSeed(3L)
                .build());
        gateway.ready().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        httpbin.close();
        controlPlane.close();
    }

    @Test
    void exposedPathIsServedWithTheGatewayServerHeader() throws Exception {
        TestHttp.Response r = TestHttp.get(
                new InetSocketAddress(GATEWAY_IP, 8080),
                "httpbin.example.com",
                "/status/200",
                "x-forwarded-for",
                "10.0.0.1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("server")).isEqualTo("istio-envoy");
        TestUpstream.Seen seen = httpbin.seen().get(httpbin.seen().size() - 1);
        assertThat(seen.header("x-forwarded-for")).isEqualTo("10.0.0.1,127.0.0.1");
    }

    @Test
    void pathNotExposedIsNoRoute() throws Exception {
        TestHttp.Response r = TestHttp.get(new InetSocketAddress(GATEWAY_IP, 8080), "httpbin.example.com", "/headers");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("server")).isEqualTo("istio-envoy");
        assertThat(TestHttp.get(gateway.adminAddress(), "a", "/access_log")
                        .body()
                        .trim())
                .endsWith("-")
                .contains("\"GET /headers HTTP/1.1\" 404 NR route_not_found");
    }
}
