package dev.meshbox.proxy.listener;

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

import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One downstream connection on an embedded channel: pipelining, keep-alive, bad requests, listener hand-off. */
class DownstreamHandlerTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.21:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(1);

    @AfterEach
    void close() {
        proxy.close();
    }

    private EmbeddedProxy.Client sidecar() {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig(
                        "9080", service("reviews", "default", 9080, route("r", prefix("/"), cluster(REVIEWS)))))
                .clusters(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(REVIEWS, ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    @Test
    void pipelinedRequestsAreAnsweredOneAtATimeInArrivalOrder() {
        EmbeddedProxy.Client client = sidecar();
        client.get("/first", "reviews:9080").get("/second", "reviews:9080");
        EmbeddedUpstreams.Arrived first = proxy.upstreams().next(ENDPOINT);
        assertThat(first.request().uri()).isEqualTo("/first");
        assertThat(proxy.upstreams().next(ENDPOINT))
                .as("the second waits for the first's answer")
                .isNull();

        first.respond(200, "one");
        assertThat(client.response().content().toString(java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("one");
        EmbeddedUpstreams.Arrived second = proxy.upstreams().next(ENDPOINT);
        assertThat(second.request().uri()).isEqualTo("/second");
        second.respond(200, "two");
        assertThat(client.response().content().toString(java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("two");
    }

    @Test
    void aRequestWithConnectionCloseGetsItsAnswerAndTheConnectionCloses() {
        EmbeddedProxy.Client client = sidecar();
        client.get("/", "reviews:9080", "connection", "close");
        proxy.upstreams().next(ENDPOINT).respond(200, "bye");

        FullHttpResponse response = client.response();
        assertThat(response.headers().get("connection")).isEqualTo("close");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void anUndecodableRequestIsAnswered400AndTheConnectionCloses() {
        EmbeddedProxy.Client client = sidecar();
        var bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("header too long")));
        client.write(bad);

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(400);
        assertThat(response.headers().get("connection")).isEqualTo("close");
        assertThat(client.isOpen()).isFalse();
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
    }

    @Test
    void aPortNoListenerServesIsAnswered404WithFlagNR() {
        EmbeddedProxy.Client client = sidecar();
        client.get("/", "reviews:7777");

        assertThat(client.response().status().code()).isEqualTo(404);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("NR");
        assertThat(proxy.lastLogEntry().listener()).isEqualTo("virtualOutbound");
    }

    @Test
    void anAbsoluteFormRequestIsRoutedByItsAuthority() {
        EmbeddedProxy.Client client = sidecar();
        client.get("http://reviews:9080/reviews/0", "ignored");
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next(ENDPOINT);
        assertThat(arrived.request().uri()).isEqualTo("/reviews/0");
        assertThat(arrived.header("host")).isEqualTo("reviews:9080");
        arrived.respond(200, "ok");
        assertThat(proxy.lastLogEntry().listener()).isEqualTo("0.0.0.0_9080");
    }

    /** {@code virtualInbound} whose 9080 chain takes only {@code transport} (as PeerAuthentication's modes make it). */
    private static io.envoyproxy.envoy.config.listener.v3.Listener inboundTaking(String transport) {
        var l = dev.meshbox.proxy.testing.XdsFixtures.virtualInbound(9080).toBuilder();
        l.getFilterChainsBuilder(0).getFilterChainMatchBuilder().setTransportProtocol(transport);
        return l.build();
    }

    @Test
    void aPlaintextConnectionWhosePortTurnedStrictIsClosedWithoutAnAnswer() {
        String app = "127.0.0.10:9080";
        proxy.listeners(inboundTaking("raw_buffer"))
                .clusters(dev.meshbox.proxy.testing.XdsFixtures.staticCluster("inbound|9080||", "127.0.0.10", 9080));
        EmbeddedProxy.Client client = proxy.connect("virtualInbound", 9080);
        client.get("/ip", "httpbin:8000");
        proxy.upstreams().next(app).respond(200, "served");
        assertThat(client.response().status().code()).isEqualTo(200);

        proxy.listeners(inboundTaking("tls"));
        client.get("/ip", "httpbin:8000");

        assertThat(client.response())
                .as("no byte answers plaintext on a STRICT port")
                .isNull();
        assertThat(client.isOpen()).isFalse();
        assertThat(proxy.upstreams().next(app)).isNull();
    }

    @ParameterizedTest(name = "{0} host={1} -> {2}")
    @CsvSource(
            nullValues = "null",
            value = {
                "null, reviews:9080, 9080",
                "null, reviews, 80",
                "null, null, 80",
                "null, [::1]:8443, 8443",
                "null, [::1], 80",
                "9081, reviews:9080, 9081",
                "null, reviews:notaport, 80"
            })
    void destinationPortComesFromTheUriThenHostThen80(String absolutePort, String host, int expected) {
        assertThat(DownstreamHandler.destinationPort(absolutePort, host)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "null",
            value = {
                "http://reviews:9080/reviews/0?x=1, /reviews/0?x=1, reviews:9080, 9080",
                "http://reviews/, /, reviews, 80",
                "HTTP://details:9080, /, details:9080, 9080",
                "/origin/form, /origin/form, original, null"
            })
    void absoluteFormBecomesOriginFormWithItsAuthorityAsHost(String uri, String path, String host, String port) {
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set("host", "original");
        assertThat(DownstreamHandler.toOriginForm(request)).isEqualTo(port);
        assertThat(List.of(request.uri(), request.headers().get("host"))).containsExactly(path, host);
    }
}
