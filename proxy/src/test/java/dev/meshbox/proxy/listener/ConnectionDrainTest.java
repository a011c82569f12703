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
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpToHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.InboundHttp2ToHttpAdapterBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /drain_listeners} drains the connections already accepted, as Envoy's connection manager does: HTTP/1.1
 * keep-alive connections get {@code Connection: close} on their next response (or close once idle past the drain
 * timeout), HTTP/2 connections GOAWAY and close when their streams are done.
 */
class ConnectionDrainTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.21:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(1);

    @AfterEach
    void close() {
        proxy.close();
    }

    private void sidecar() {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig(
                        "9080", service("reviews", "default", 9080, route("r", prefix("/"), cluster(REVIEWS)))))
                .clusters(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(REVIEWS, ENDPOINT));
    }

    private static void drain(EmbeddedChannel ch) {
        ch.pipeline().fireUserEventTriggered(ConnectionDrain.Event.DRAIN);
        ch.runPendingTasks();
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void aKeepAliveConnectionGetsConnectionCloseOnItsNextResponseAfterTheDrain() {
        sidecar();
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        client.get("/first", "reviews:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "one");
        FullHttpResponse first = client.response();
        assertThat(first.headers().contains("connection")).isFalse();
        first.release();

        drain(client.channel());
        assertThat(client.isOpen())
                .as("a request may still come within the drain timeout")
                .isTrue();
        client.get("/second", "reviews:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "two");
        FullHttpResponse second = client.response();
        assertThat(body(second)).isEqualTo("two");
        assertThat(second.headers().get("connection")).isEqualTo("close");
        second.release();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aRequestInFlightWhenTheDrainStartsIsAnsweredThenTheConnectionCloses() {
        sidecar();
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        client.get("/slow", "reviews:9080");
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next(ENDPOINT);
        drain(client.channel());
        proxy.advance(Duration.ofSeconds(6));
        assertThat(client.isOpen())
                .as("busy past the drain timeout: the answer closes it")
                .isTrue();
        arrived.respond(200, "late");
        FullHttpResponse r = client.response();
        assertThat(body(r)).isEqualTo("late");
        assertThat(r.headers().get("connection")).isEqualTo("close");
        r.release();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void anIdleConnectionClosesAtTheDrainTimeout() {
        sidecar();
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        drain(client.channel());
        proxy.advance(Duration.ofSeconds(4));
        assertThat(client.isOpen()).isTrue();
        proxy.advance(Duration.ofMillis(1001));
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void otherPipelineEventsPassThrough() {
        sidecar();
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        client.channel().pipeline().fireUserEventTriggered("something else");
        proxy.advance(Duration.ofSeconds(10));
        assertThat(client.isOpen()).isTrue();
    }

    /** Moves bytes both ways until neither side writes more. */
    private static void pump(EmbeddedChannel client, EmbeddedChannel server) {
        boolean moved = true;
        while (moved) {
            moved = false;
            Object m;
            while ((m = client.readOutbound()) != null) {
                server.writeInbound(m);
                moved = true;
            }
            server.runPendingTasks();
            while ((m = server.readOutbound()) != null) {
                client.writeInbound(m);
                moved = true;
            }
            client.runPendingTasks();
        }
    }

    @Test
    void anHttp2ConnectionGetsGoawayFinishesItsStreamThenCloses() {
        sidecar();
        EmbeddedChannel server = proxy.connectBytes("virtualOutbound", 15001);
        Http2Connection connection = new DefaultHttp2Connection(false);
        EmbeddedChannel client = new EmbeddedChannel(new HttpToHttp2ConnectionHandlerBuilder()
                .connection(connection)
                .frameListener(new InboundHttp2ToHttpAdapterBuilder(connection)
                        .maxContentLength(1 << 20)
                        .propagateSettings(false)
                        .build())
                .build());
        try {
            pump(client, server);
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/h2");
            request.headers()
                    .set("host", "reviews:9080")
                    .set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http")
                    .set(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(), 3);
            client.writeOutbound(request);
            pump(client, server);
            EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next(ENDPOINT);
            assertThat(arrived.request().uri()).isEqualTo("/h2");

            drain(server);
            pump(client, server);
            assertThat(connection.goAwayReceived()).isTrue();
            assertThat(connection.local().lastStreamKnownByPeer())
                    .as("GOAWAY names the stream in flight")
                    .isEqualTo(3);
            assertThat(server.isActive()).as("its stream is still open").isTrue();

            arrived.respond(200, "h2 done");
            pump(client, server);
            FullHttpResponse r = client.readInbound();
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(body(r)).isEqualTo("h2 done");
            r.release();
            server.runPendingTasks();
            assertThat(server.isActive()).isFalse();
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
