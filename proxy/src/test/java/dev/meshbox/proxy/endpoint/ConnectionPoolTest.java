package dev.meshbox.proxy.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.spec.EndpointConverter;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.TestUpstream;
import dev.meshbox.proxy.testing.XdsFixtures;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 pool and its circuit breakers against a real upstream socket, driven on one event loop. */
class ConnectionPoolTest {

    private static EventLoopGroup group;
    private static EventLoop loop;
    private static TestUpstream upstream;

    /** Counts what the pool reports, as the cluster's counters would. */
    static final class Counted implements ConnectionEvents {
        final AtomicInteger connects = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger connectFailed = new AtomicInteger();
        final AtomicInteger cxOverflow = new AtomicInteger();
        final AtomicInteger pendingOverflow = new AtomicInteger();
        final AtomicInteger maxRequests = new AtomicInteger();
        final AtomicInteger idleTimeouts = new AtomicInteger();

        public void connectStarted() {
            connects.incrementAndGet();
        }

        public void connected() {
            active.incrementAndGet();
        }

        public void connectFailed() {
            connectFailed.incrementAndGet();
        }

        public void closed() {
            active.decrementAndGet();
        }

        public void connectionOverflow() {
            cxOverflow.incrementAndGet();
        }

        public void pendingOverflow() {
            pendingOverflow.incrementAndGet();
        }

        public void maxRequestsReached() {
            maxRequests.incrementAndGet();
        }

        public void idleTimeout() {
            idleTimeouts.incrementAndGet();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        upstream = new TestUpstream("pooled", "127.0.0.117", 9080);
    }

    @AfterAll
    static void stop() {
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @AfterEach
    void reset() {
        upstream.reset();
    }

    private static Host host(int port, Counted events, PoolSettings settings) throws Exception {
        return new Host(
                EndpointSpec.healthy(new InetSocketAddress(InetAddress.getByName("127.0.0.117"), port)),
                new SocketTransport(NioSocketChannel.class, InetAddress.getByName("127.0.0.118"), 1 << 20),
                events,
                settings);
    }

    private static PoolSettings settings(ResourceLimits limits, int maxPerConnection, Duration idle) {
        return new PoolSettings(limits, Duration.ofSeconds(1), maxPerConnection, idle);
    }

    /** One request through the pool: "body/fresh|reused", or "overflow", "connect_failure". */
    private static CompletableFuture<String> request(Host host, String connectionHeader) {
        CompletableFuture<String> result = new CompletableFuture<>();
        loop.execute(() -> host.pool(loop).newStream(new ConnectionPool.Callbacks() {
            @Override
            public void onReady(UpstreamConnection conn) {
                var request =
                        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
                request.headers().set("host", "pooled");
                if (connectionHeader != null) {
                    request.headers().set("connection", connectionHeader);
                }
                boolean reused = conn.reused();
                assertThat(conn.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.118");
                conn.send(request, new ResponseListener() {
                    @Override
                    public void onResponse(UpstreamConnection c, FullHttpResponse response) {
                        boolean keepAlive = HttpUtil.isKeepAlive(response);
                        String text =
                                response.content().toString(StandardCharsets.UTF_8) + (reused ? "/reused" : "/fresh");
                        response.release();
                        c.release(keepAlive);
                        result.complete(text);
                    }

                    @Override
                    public void onReset(UpstreamConnection c, Throwable cause) {
                        result.complete("reset");
                    }
                });
            }

            @Override
            public void onFailure(ConnectionPool.Failure failure, Throwable cause) {
                result.complete(failure.name().toLowerCase());
            }
        }));
        return result;
    }

    private static String roundTrip(Host host, String connectionHeader) throws Exception {
        return request(host, connectionHeader).get(3, TimeUnit.SECONDS);
    }

    @Test
    void idleConnectionsAreReusedAndClosedOnesAreNot() throws Exception {
        Host host = host(9080, new Counted(), PoolSettings.defaults());
        int before = upstream.connections();
        assertThat(roundTrip(host, null)).isEqualTo("pooled/fresh");
        assertThat(roundTrip(host, null)).isEqualTo("pooled/reused");
        assertThat(roundTrip(host, null)).isEqualTo("pooled/reused");
        assertThat(upstream.connections() - before).isEqualTo(1);
        assertThat(host.stats().cxTotal.sum()).isEqualTo(1);

        assertThat(roundTrip(host, "close")).isEqualTo("pooled/reused");
        assertThat(roundTrip(host, null)).isEqualTo("pooled/fresh");
        host.close();
    }

    @Test
    void refusedConnectFailsTheWaitingRequestAndCountsIt() throws Exception {
        Counted events = new Counted();
        Host host = host(9099, events, PoolSettings.defaults());
        assertThat(roundTrip(host, null)).isEqualTo("connect_failure");
        assertThat(host.stats().cxConnectFail.sum()).isEqualTo(1);
        assertThat(events.connectFailed).hasValue(1);
        host.close();
    }

    @Test
    void aFullPendingQueueOverflowsWhileTheConnectionLimitQueuesTheRest() throws Exception {
        upstream.behaviour(s -> new TestUpstream.Reply(200, "slow", 300, Map.of()));
        Counted events = new Counted();
        ResourceLimits limits = new ResourceLimits(1, 1, 1024, 3);
        Host host = host(9080, events, settings(limits, 0, Duration.ZERO));

        CompletableFuture<String> first = request(host, null);
        Await.until(Duration.ofSeconds(2), () -> limits.requests().count() == 1, "the first request to be attached");
        CompletableFuture<String> second = request(host, null);
        CompletableFuture<String> third = request(host, null);

        assertThat(third.get(2, TimeUnit.SECONDS)).isEqualTo("overflow");
        assertThat(events.pendingOverflow).hasValue(1);
        // The second waits for the one connection the breaker allows instead of opening another.
        assertThat(events.cxOverflow).hasValue(1);
        assertThat(first.get(2, TimeUnit.SECONDS)).isEqualTo("slow/fresh");
        assertThat(second.get(2, TimeUnit.SECONDS)).isEqualTo("slow/reused");
        assertThat(events.connects).hasValue(1);
        assertThat(limits.pendingRequests().count()).isZero();
        assertThat(limits.requests().count()).isZero();
        host.close();
    }

    @Test
    void maxRequestsOverflowsEvenWithAnIdleConnection() throws Exception {
        Counted events = new Counted();
        ResourceLimits limits = new ResourceLimits(10, 10, 0, 3);
        Host host = host(9080, events, settings(limits, 0, Duration.ZERO));
        assertThat(roundTrip(host, null)).isEqualTo("overflow");
        assertThat(events.pendingOverflow).hasValue(1);
        host.close();
    }

    @Test
    void maxRequestsPerConnectionOfOneOpensAConnectionPerRequest() throws Exception {
        Counted events = new Counted();
        ResourceLimits limits = ResourceLimits.envoyDefaults();
        Host host = host(9080, events, settings(limits, 1, Duration.ZERO));
        int before = upstream.connections();
        for (int i = 0; i < 3; i++) {
            assertThat(roundTrip(host, null)).isEqualTo("pooled/fresh");
        }
        assertThat(upstream.connections() - before).isEqualTo(3);
        assertThat(events.maxRequests).hasValue(3);
        // Accounting is immediate, as Envoy's synchronous close: no connection is left counted.
        assertThat(limits.connections().count()).isZero();
        host.close();
    }

    @Test
    void idleTimeoutClosesAnIdleConnection() throws Exception {
        Counted events = new Counted();
        Host host = host(9080, events, settings(ResourceLimits.envoyDefaults(), 0, Duration.ofMillis(100)));
        assertThat(roundTrip(host, null)).isEqualTo("pooled/fresh");
        Await.until(Duration.ofSeconds(3), () -> events.idleTimeouts.get() == 1, "the idle timeout");
        assertThat(events.active).hasValue(0);
        assertThat(roundTrip(host, null)).isEqualTo("pooled/fresh");
        host.close();
    }

    @Test
    void endpointsMustBeIpLiterals() {
        assertThat(EndpointConverter.convert(XdsFixtures.cla("c", "127.0.0.9:80", "127.0.0.10:81")))
                .extracting(EndpointSpec::hostPort)
                .containsExactly("127.0.0.9:80", "127.0.0.10:81");
        assertThatThrownBy(() -> EndpointConverter.socketAddress(
                        SocketAddress.newBuilder()
                                .setAddress("reviews")
                                .setPortValue(9080)
                                .build(),
                        "cla x"))
                .hasMessage("cla x.address: must be an IP literal, got 'reviews'");
        assertThat(EndpointConverter.convert(XdsFixtures.cla("c")).isEmpty()).isTrue();
    }
}
