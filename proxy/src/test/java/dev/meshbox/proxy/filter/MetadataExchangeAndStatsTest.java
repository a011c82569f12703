package dev.meshbox.proxy.filter;

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

import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.stats.PrometheusRenderer;
import dev.meshbox.proxy.stats.Workload;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's metadata exchange and standard metrics as two filters of the chain: the exchange's headers go to the peer
 * and never to the app, and {@code istio_requests_total} is labelled from what the exchange learned.
 */
class MetadataExchangeAndStatsTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final Workload CALLER = new Workload("sleep", "default", "sleep", "v1", "sleep-abc");

    private final EmbeddedProxy proxy = new EmbeddedProxy(5);

    @AfterEach
    void close() {
        proxy.close();
    }

    private static String callerMetadata() {
        return new PeerMetadata(
                        "sidecar~127.0.0.60~sleep-abc.default~default.svc.cluster.local",
                        CALLER,
                        Map.of("app", "sleep", "version", "v1"))
                .encoded();
    }

    @Test
    void inboundLearnsTheCallerHidesItsHeadersFromTheAppAndReportsAsDestination() {
        proxy.listeners(virtualInbound(9080)).clusters(staticCluster("inbound|9080||", "127.0.0.10", 9080));
        EmbeddedProxy.Client client = proxy.connect("virtualInbound", 9080);
        client.get(
                "/productpage",
                "productpage:9080",
                "x-envoy-peer-metadata-id",
                "sidecar~127.0.0.60~sleep-abc.default~default.svc.cluster.local",
                "x-envoy-peer-metadata",
                callerMetadata());

        EmbeddedUpstreams.Arrived app = proxy.upstreams().next("127.0.0.10:9080");
        assertThat(app.request().headers().contains("x-envoy-peer-metadata")).isFalse();
        assertThat(app.request().headers().contains("x-envoy-peer-metadata-id")).isFalse();
        app.respond(200, "page");

        FullHttpResponse response = client.response();
        assertThat(response.headers().get("x-envoy-peer-metadata-id"))
                .as("the caller learns who answered")
                .startsWith("sidecar~127.0.0.10~productpage-v1-abc");
        String text = PrometheusRenderer.render(proxy.metrics(), Map.of(), Map.of());
        assertThat(text)
                .contains("istio_requests_total{")
                .contains("reporter=\"destination\"")
                .contains("source_workload=\"sleep\"")
                .contains("destination_workload=\"productpage-v1\"")
                .contains("destination_service=\"productpage.default.svc.cluster.local\"")
                .contains("response_code=\"200\"");
    }

    @Test
    void outboundSendsItsOwnMetadataAndReportsAsSourceWithTheEndpointsWorkload() {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig(
                        "9080", service("reviews", "default", 9080, route("r", prefix("/"), cluster(REVIEWS)))))
                .clusters(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(REVIEWS, "127.0.0.21:9080"));
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        client.get("/reviews/0", "reviews:9080");

        EmbeddedUpstreams.Arrived upstream = proxy.upstreams().next("127.0.0.21:9080");
        assertThat(upstream.header("x-envoy-peer-metadata")).isNotEmpty();
        upstream.respond(503, "down");

        assertThat(client.response().status().code()).isEqualTo(503);
        String text = PrometheusRenderer.render(proxy.metrics(), Map.of(), Map.of());
        assertThat(text)
                .contains("reporter=\"source\"")
                .contains("source_workload=\"productpage-v1\"")
                .contains("destination_service=\"reviews.default.svc.cluster.local\"")
                .contains("response_code=\"503\"");
    }

    @Test
    void aCallerFromAnotherClusterIsLabelledWithItsClusterIdAndTheAnswerWithThisOnes() {
        Workload remoteCaller = new Workload("sleep", "sample", "sleep", "v1", "sleep-xyz", "cluster2");
        String metadata = new PeerMetadata(
                        "sidecar~10.2.0.10~sleep-xyz.sample~sample.svc.cluster.local",
                        remoteCaller,
                        Map.of("app", "sleep", "topology.istio.io/cluster", "cluster2"))
                .encoded();
        proxy.listeners(virtualInbound(9080)).clusters(staticCluster("inbound|9080||", "127.0.0.10", 9080));
        EmbeddedProxy.Client client = proxy.connect("virtualInbound", 9080);
        client.get("/hello", "productpage:9080", "x-envoy-peer-metadata", metadata);
        proxy.upstreams().next("127.0.0.10:9080").respond(200, "hello");
        client.response();

        assertThat(PrometheusRenderer.render(proxy.metrics(), Map.of(), Map.of()))
                .contains("source_app=\"sleep\",source_version=\"unknown\",source_cluster=\"cluster2\",")
                .contains("destination_cluster=\"Kubernetes\",");
    }
}
