package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.staticCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualInbound;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * productpage's sidecar calls reviews through reviews' sidecar, both tracing at 100 % over xDS; a tiny Zipkin
 * collector on loopback (the collector cluster's one endpoint) receives one CLIENT and one SERVER span of one trace,
 * the server span the child of the client span.
 */
class TracingEndToEndTest {

    private static final String CLIENT_IP = "127.0.0.231";
    private static final String SERVER_IP = "127.0.0.232";
    private static final String APP_IP = "127.0.0.233";
    private static final String ZIPKIN_IP = "127.0.0.234";
    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String COLLECTOR = "outbound|9411||zipkin.istio-system.svc.cluster.local";

    private static TestControlPlane controlPlane;
    private static TestUpstream app;
    private static HttpServer zipkin;
    private static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private static Proxy client;
    private static Proxy server;

    @BeforeAll
    static void start() throws Exception {
        zipkin = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ZIPKIN_IP), 9411), 0);
        ObjectMapper json = new ObjectMapper();
        zipkin.createContext("/api/v2/spans", exchange -> {
            json.readTree(exchange.getRequestBody()).forEach(received::add);
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        zipkin.start();
        controlPlane = new TestControlPlane();
        app = new TestUpstream("reviews-app", APP_IP, 9080);
        HttpConnectionManager.Tracing tracing = dev.meshbox.proxy.testing.XdsFixtures.zipkinTracing(100);
        var reviews = route("", prefix("/"), cluster(REVIEWS)).toBuilder()
                .setDecorator(Decorator.newBuilder().setOperation("reviews.default.svc.cluster.local:9080/*"))
                .build();
        controlPlane.set(
                Sidecars.nodeId(CLIENT_IP, "productpage-v1-231"),
                Snapshot.create(
                        List.of(
                                edsCluster(REVIEWS, Cluster.LbPolicy.LEAST_REQUEST),
                                staticCluster(COLLECTOR, ZIPKIN_IP, 9411)),
                        List.of(cla(REVIEWS, SERVER_IP + ":9080")),
                        List.of(virtualOutbound(), traced(outboundPort(9080), tracing)),
                        List.of(routeConfig("9080", service("reviews", "default", 9080, reviews))),
                        List.of(),
                        "1"));
        controlPlane.set(
                Sidecars.nodeId(SERVER_IP, "reviews-v1-232"),
                Snapshot.create(
                        List.of(
                                staticCluster("inbound|9080||", APP_IP, 9080),
                                staticCluster(COLLECTOR, ZIPKIN_IP, 9411)),
                        List.of(),
                        List.of(traced(virtualInbound(9080), tracing)),
                        List.of(),
                        List.of(),
                        "1"));
        client = Sidecars.start(controlPlane, CLIENT_IP, "productpage", "v1", o -> o);
        server = Sidecars.start(controlPlane, SERVER_IP, "reviews", "v1", o -> o);
    }

    private static Listener traced(Listener l, HttpConnectionManager.Tracing t) {
        return dev.meshbox.proxy.testing.XdsFixtures.withTracing(l, t);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        app.close();
        controlPlane.close();
        zipkin.stop(0);
    }

    @Test
    void theCollectorReceivesTheCallersClientSpanAndTheCalleesServerSpanOfOneTrace() throws Exception {
        TestHttp.Response r = TestHttp.get(new InetSocketAddress(CLIENT_IP, 15001), "reviews:9080", "/reviews/0");
        assertThat(r.body()).isEqualTo("reviews-app");
        TestUpstream.Seen seen = app.seen().get(app.seen().size() - 1);
        String traceId = seen.header("x-b3-traceid");
        assertThat(traceId).matches("[0-9a-f]{32}");

        Await.until(Duration.ofSeconds(15), () -> received.size() >= 2, "two spans at the collector");
        List<JsonNode> spans = new ArrayList<>(received);
        JsonNode clientSpan = spans.stream()
                .filter(s -> s.path("kind").asText().equals("CLIENT"))
                .findFirst()
                .orElseThrow();
        JsonNode serverSpan = spans.stream()
                .filter(s -> s.path("kind").asText().equals("SERVER"))
                .findFirst()
                .orElseThrow();
        assertThat(clientSpan.path("traceId").asText()).isEqualTo(traceId);
        assertThat(serverSpan.path("traceId").asText()).isEqualTo(traceId);
        assertThat(serverSpan.path("parentId").asText())
                .isEqualTo(clientSpan.path("id").asText());
        assertThat(serverSpan.path("id").asText()).isEqualTo(seen.header("x-b3-spanid"));
        assertThat(clientSpan.path("localEndpoint").path("serviceName").asText())
                .isEqualTo("productpage.default");
        assertThat(serverSpan.path("localEndpoint").path("serviceName").asText())
                .isEqualTo("reviews.default");
        assertThat(clientSpan.path("name").asText()).isEqualTo("reviews.default.svc.cluster.local:9080/*");
        assertThat(clientSpan.path("tags").path("upstream_cluster").asText()).isEqualTo(REVIEWS);
        assertThat(serverSpan.path("tags").path("upstream_cluster").asText()).isEqualTo("inbound|9080||");
        assertThat(clientSpan.path("timestamp").asLong()).isPositive();
        assertThat(clientSpan.path("duration").asLong()).isPositive();

        TestHttp.Response stats = TestHttp.get(new InetSocketAddress(CLIENT_IP, 15000), "admin", "/stats");
        assertThat(stats.body()).contains("tracing.zipkin.spans_sent: 1");
        TestHttp.Response dump = TestHttp.get(new InetSocketAddress(CLIENT_IP, 15000), "admin", "/config_dump");
        assertThat(dump.status()).isEqualTo(200);
        assertThat(dump.body())
                .contains("\"envoy.tracers.zipkin\"")
                .contains("\"collector_cluster\": \"" + COLLECTOR + "\"")
                .contains("\"operation\": \"reviews.default.svc.cluster.local:9080/*\"");
    }
}
