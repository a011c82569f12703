package dev.meshbox.proxy.router;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Path and host rewrites as the upstream sees them, on embedded channels. */
class RewriteTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String V1 = "127.0.0.21:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(7);

    @AfterEach
    void close() {
        proxy.close();
    }

    private EmbeddedProxy.Client sidecar(Route route) {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("reviews", "default", 9080, route)))
                .clusters(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(REVIEWS, V1));
        return proxy.connect("virtualOutbound", 15001);
    }

    @Test
    void aRegexRewriteReachesTheUpstreamWithTheQueryStringAndTheOriginalPath() {
        RouteAction.Builder action = cluster(REVIEWS)
                .setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex("^/service/([^/]+)(/.*)$"))
                        .setSubstitution("/customprefix\\2/\\1"));
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), action));
        client.get("/service/update/v1/api?x=1", "reviews:9080");
        EmbeddedUpstreams.Arrived upstream = proxy.upstreams().next(V1);
        assertThat(upstream.request().uri()).isEqualTo("/customprefix/v1/api/update?x=1");
        assertThat(upstream.header("x-envoy-original-path")).isEqualTo("/service/update/v1/api?x=1");
        upstream.respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void theWeightedClustersHostRewriteWinsOverTheRoutes() {
        RouteAction.Builder action = RouteAction.newBuilder()
                .setHostRewriteLiteral("route.example")
                .setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder()
                                .setName(REVIEWS)
                                .setWeight(UInt32Value.of(1))
                                .setHostRewriteLiteral("cluster.example")));
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), action));
        client.get("/", "reviews:9080");
        EmbeddedUpstreams.Arrived upstream = proxy.upstreams().next(V1);
        assertThat(upstream.header("host")).isEqualTo("cluster.example");
        upstream.respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);
    }
}
