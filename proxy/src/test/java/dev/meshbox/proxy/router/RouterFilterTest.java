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
import com.google.protobuf.util.Durations;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.CharsetUtil;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router filter on Netty's embedded channels: retries, timeouts, the retry budget, mirrors and local replies,
 * with time moved by hand. No sockets, no sleeps.
 */
class RouterFilterTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String SHADOW = "outbound|9080||reviews-shadow.default.svc.cluster.local";
    private static final String V1 = "127.0.0.21:9080";
    private static final String V2 = "127.0.0.22:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(7);

    @AfterEach
    void close() {
        proxy.close();
    }

    /** A sidecar whose reviews route is {@code action}; reviews has two endpoints. */
    private EmbeddedProxy.Client sidecar(Route route) {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("reviews", "default", 9080, route)))
                .clusters(
                        edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN),
                        edsCluster(SHADOW, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(REVIEWS, V1, V2), cla(SHADOW, "127.0.0.31:9080"));
        return proxy.connect("virtualOutbound", 15001);
    }

    private static RouteAction.Builder reviews() {
        return cluster(REVIEWS);
    }

    private static RetryPolicy retries(String on, int count) {
        return RetryPolicy.newBuilder()
                .setRetryOn(on)
                .setNumRetries(UInt32Value.of(count))
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts"))
                .setHostSelectionRetryMaxAttempts(5)
                .build();
    }

    /** The request that reached either endpoint. */
    private EmbeddedUpstreams.Arrived arrived() {
        EmbeddedUpstreams.Arrived a = proxy.upstreams().next(V1);
        return a != null ? a : proxy.upstreams().next(V2);
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(CharsetUtil.UTF_8);
    }

    @Test
    void forwardsToTheRoutesClusterWithEnvoysHeadersAndLogsTheUpstream() {
        EmbeddedProxy.Client client = sidecar(route("reviews-route", prefix("/"), reviews()));
        client.get("/reviews/0", "reviews:9080", "x-request-id", "r-1");
        EmbeddedUpstreams.Arrived upstream = arrived();
        assertThat(upstream.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(upstream.header("x-envoy-attempt-count")).isEqualTo("1");
        assertThat(upstream.header("x-envoy-peer-metadata-id")).startsWith("sidecar~127.0.0.10~");
        upstream.respond(
                200,
                "stars",
                "x-envoy-peer-metadata-id",
                "sidecar~127.0.0.21~reviews-v1",
                "x-envoy-peer-metadata",
                "bm90IHJlYWxseQ==");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(body(response)).isEqualTo("stars");
        assertThat(response.headers().get("server")).isEqualTo("envoy");
        assertThat(response.headers().contains("x-envoy-upstream-service-time")).isTrue();
        assertThat(response.headers().contains("x-envoy-peer-metadata-id")).isFalse();
        AccessLogEntry entry = proxy.lastLogEntry();
        assertThat(entry.upstreamCluster()).isEqualTo(REVIEWS);
        assertThat(entry.upstreamHost()).isIn(V1, V2);
        assertThat(entry.routeName()).isEqualTo("reviews-route");
        assertThat(entry.responseCodeDetails()).isEqualTo("via_upstream");
        assertThat(entry.responseFlags()).isEqualTo("-");
        assertThat(entry.direction()).isEqualTo("outbound");
        assertThat(entry.requestId()).isEqualTo("r-1");
    }

    @Test
    void a503IsRetriedOnTheOtherHostAfterTheBackoff() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), reviews().setRetryPolicy(retries("5xx", 2))));
        client.get("/", "reviews:9080");
        EmbeddedUpstreams.Arrived first = arrived();
        first.respond(503, "busy");
        assertThat(client.response()).as("nothing answered before the retry").isNull();

        proxy.advance(Duration.ofMillis(25));
        EmbeddedUpstreams.Arrived second = arrived();
        assertThat(second)
                .as("the retry went out after at most the 25 ms base interval")
                .isNotNull();
        assertThat(second.header("x-envoy-attempt-count")).isEqualTo("2");
        second.respond(200, "ok");

        assertThat(client.response().status().code()).isEqualTo(200);
        AccessLogEntry entry = proxy.lastLogEntry();
        assertThat(entry.responseFlags()).isEqualTo("-");
        assertThat(proxy.upstreams().connectionsOpened(V1)).isEqualTo(1);
        assertThat(proxy.upstreams().connectionsOpened(V2))
                .as("previous_hosts sends the retry to the other endpoint")
                .isEqualTo(1);
    }

    @Test
    void whenRetriesRunOutTheLast503GoesBackWithFlagURX() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), reviews().setRetryPolicy(retries("5xx", 1))));
        client.get("/", "reviews:9080");
        arrived().respond(503, "first");
        proxy.advance(Duration.ofMillis(25));
        arrived().respond(503, "second");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(503);
        assertThat(body(response)).isEqualTo("second");
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("URX");
    }

    @Test
    void theRouteTimeoutAnswers504WithFlagUTAndAbandonsTheUpstream() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), reviews().setTimeout(Durations.fromSeconds(2))));
        client.get("/", "reviews:9080");
        assertThat(arrived()).isNotNull();
        proxy.advance(Duration.ofMillis(1999));
        assertThat(client.response()).isNull();

        proxy.advance(Duration.ofMillis(1));
        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(504);
        assertThat(body(response)).isEqualTo("upstream request timeout");
        AccessLogEntry entry = proxy.lastLogEntry();
        assertThat(entry.responseFlags()).isEqualTo("UT");
        assertThat(entry.responseCodeDetails()).isEqualTo("response_timeout");
    }

    @Test
    void thePerTryTimeoutIsRetriedAndTheSecondTryCanAnswer() {
        RetryPolicy retry = retries("5xx", 2).toBuilder()
                .setPerTryTimeout(Durations.fromMillis(500))
                .build();
        EmbeddedProxy.Client client = sidecar(route(
                "r", prefix("/"), reviews().setTimeout(Durations.fromSeconds(5)).setRetryPolicy(retry)));
        client.get("/", "reviews:9080");
        assertThat(arrived()).isNotNull();
        proxy.advance(Duration.ofMillis(500));
        proxy.advance(Duration.ofMillis(25));
        EmbeddedUpstreams.Arrived second = arrived();
        assertThat(second).isNotNull();
        second.respond(200, "late but fine");

        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void refusedConnectionsAreRetriedThenAnswered503WithFlagUF() {
        proxy.upstreams().refuse(V1);
        proxy.upstreams().refuse(V2);
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), reviews()));
        client.get("/", "reviews:9080");
        for (int i = 0; i < 3; i++) {
            proxy.advance(Duration.ofMillis(250));
        }

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(503);
        assertThat(body(response))
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: "
                        + "connection failure");
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UF,URX");
    }

    @Test
    void anUpstreamResetWithoutRetriesAnswers503WithFlagUC() {
        EmbeddedProxy.Client client =
                sidecar(route("r", prefix("/"), reviews().setRetryPolicy(retries("retriable-status-codes", 1))));
        client.get("/", "reviews:9080");
        arrived().reset();

        assertThat(client.response().status().code()).isEqualTo(503);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UC");
    }

    @Test
    void aMirrorSendsACopyToTheShadowClusterAndItsAnswerIsDropped() {
        Route route = route(
                "r",
                prefix("/"),
                reviews()
                        .addRequestMirrorPolicies(RequestMirrorPolicy.newBuilder()
                                .setCluster(SHADOW)
                                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
                                        .setDefaultValue(
                                                FractionalPercent.newBuilder().setNumerator(100)))));
        EmbeddedProxy.Client client = sidecar(route);
        client.get("/reviews/1", "reviews:9080");

        EmbeddedUpstreams.Arrived copy = proxy.upstreams().next("127.0.0.31:9080");
        assertThat(copy.request().uri()).isEqualTo("/reviews/1");
        assertThat(copy.header("host")).isEqualTo("reviews-shadow:9080");
        copy.respond(500, "the shadow's answer is never seen");
        arrived().respond(200, "primary");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(body(response)).isEqualTo("primary");
    }

    @Test
    void aRequestNoRouteMatchesIsAnswered404WithFlagNR() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/only-this"), reviews()));
        client.get("/other", "reviews:9080");

        assertThat(client.response().status().code()).isEqualTo(404);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("NR");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("route_not_found");
    }

    @Test
    void aRouteToAClusterTheProxyDoesNotHaveIsAnswered503WithFlagNC() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), cluster("outbound|9080||nowhere")));
        client.get("/", "reviews:9080");

        assertThat(client.response().status().code()).isEqualTo(503);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("NC");
    }

    /** Istio sets cluster_not_found_response_code on HTTPRoute routes: a backend that does not exist answers 500. */
    @Test
    void aMissingClusterAnswersTheRoutesClusterNotFoundResponseCode() {
        EmbeddedProxy.Client client = sidecar(route(
                "r",
                prefix("/"),
                cluster("outbound|9080||nowhere")
                        .setClusterNotFoundResponseCode(
                                RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR)));
        client.get("/", "reviews:9080");

        assertThat(client.response().status().code()).isEqualTo(500);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("NC");
    }

    /** Envoy's path_separated_prefix, as Istio writes an HTTPRoute's PathPrefix: whole segments only. */
    @Test
    void aPathSeparatedPrefixMatchesWholeSegmentsOnly() {
        EmbeddedProxy.Client client = sidecar(route(
                "r",
                io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPathSeparatedPrefix("/api/v1"),
                reviews().setPrefixRewrite("/v2")));
        client.get("/api/v1x", "reviews:9080");
        assertThat(client.response().status().code()).isEqualTo(404);
        client.get("/api/v1/products?id=1", "reviews:9080");
        EmbeddedUpstreams.Arrived upstream = arrived();
        // The prefix rewrite replaces the matched segments, as Envoy does for either prefix kind.
        assertThat(upstream.request().uri()).isEqualTo("/v2/products?id=1");
        upstream.respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void directResponsesAndRedirectsAreAnsweredByTheProxy() {
        Route direct = Route.newBuilder()
                .setName("teapot")
                .setMatch(prefix("/tea"))
                .setDirectResponse(DirectResponseAction.newBuilder()
                        .setStatus(418)
                        .setBody(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                .setInlineString("short and stout")))
                .build();
        Route redirect = Route.newBuilder()
                .setName("moved")
                .setMatch(prefix("/old"))
                .setRedirect(RedirectAction.newBuilder().setPathRedirect("/new"))
                .build();
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("reviews", "default", 9080, direct, redirect)));
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/tea", "reviews:9080");
        FullHttpResponse teapot = client.response();
        assertThat(teapot.status().code()).isEqualTo(418);
        assertThat(body(teapot)).isEqualTo("short and stout");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("direct_response");

        client.get("/old?x=1", "reviews:9080");
        FullHttpResponse moved = client.response();
        assertThat(moved.status().code()).isEqualTo(301);
        assertThat(moved.headers().get("location")).isEqualTo("http://reviews:9080/new?x=1");
    }

    @Test
    void aClientThatLeavesBeforeTheAnswerIsLoggedWithFlagDC() {
        EmbeddedProxy.Client client = sidecar(route("r", prefix("/"), reviews()));
        client.get("/", "reviews:9080");
        EmbeddedUpstreams.Arrived upstream = arrived();
        client.close();

        AccessLogEntry entry = proxy.lastLogEntry();
        assertThat(entry.responseFlags()).isEqualTo("DC");
        assertThat(entry.responseCodeDetails()).isEqualTo("downstream_remote_disconnect");
        upstream.request().release();
    }
}
