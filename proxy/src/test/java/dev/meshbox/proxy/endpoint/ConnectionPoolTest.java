package dev.meshbox.proxy.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.testing.TestUpstream;
import dev.meshbox.proxy.testing.XdsFixtures;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConnectionPoolTest {

  private static EventLoopGroup group;
  private static TestUpstream upstream;

  @BeforeAll
  static void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    upstream = new TestUpstream("pooled", "127.0.0.117", 9080);
  }

  @AfterAll
  static void stop() {
    upstream.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private static Host host(int port) throws Exception {
    return new Host(EndpointSpec.healthy(new InetSocketAddress(InetAddress.getByName("127.0.0.117"), port)),
        new UpstreamTransport(NioSocketChannel.class, InetAddress.getByName("127.0.0.118"), 1 << 20),
        new ConnectionEvents() {
          public void connectStarted() { }

          public void connected() { }

          public void connectFailed() { }

          public void closed() { }
        });
  }

  /** Sends one GET and returns the body and whether the connection was a reused one. */
  private static String roundTrip(Host host, String connectionHeader) throws Exception {
    UpstreamConnection conn = host.pool().acquire(group.next(), Duration.ofSeconds(1)).get(2, TimeUnit.SECONDS);
    CompletableFuture<String> body = new CompletableFuture<>();
    var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
    request.headers().set("host", "pooled");
    if (connectionHeader != null) {
      request.headers().set("connection", connectionHeader);
    }
    boolean reused = conn.reused();
    assertThat(conn.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.118");
    conn.send(request, new ResponseListener() {
      @Override
      public void onResponse(UpstreamConnection c, FullHttpResponse response) {
        boolean keepAlive = io.netty.handler.codec.http.HttpUtil.isKeepAlive(response);
        String text = response.content().toString(StandardCharsets.UTF_8) + (reused ? "/reused" : "/fresh");
        response.release();
        c.release(keepAlive);
        body.complete(text);
      }

      @Override
      public void onReset(UpstreamConnection c, Throwable cause) {
        body.completeExceptionally(cause == null ? new IllegalStateException("reset") : cause);
      }
    });
    return body.get(2, TimeUnit.SECONDS);
  }

  @Test
  void idleConnectionsAreReusedAndClosedOnesAreNot() throws Exception {
    Host host = host(9080);
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
  void refusedConnectFailsTheAcquireAndCountsIt() throws Exception {
    Host host = host(9099);
    var future = host.pool().acquire(group.next(), Duration.ofSeconds(1));
    assertThatThrownBy(() -> future.get(2, TimeUnit.SECONDS)).hasRootCauseInstanceOf(java.net.ConnectException.class);
    assertThat(host.stats().cxConnectFail.sum()).isEqualTo(1);
    host.close();
  }

  @Test
  void endpointsMustBeIpLiterals() {
    assertThat(EndpointConverter.convert(XdsFixtures.cla("c", "127.0.0.9:80", "127.0.0.10:81")))
        .extracting(EndpointSpec::hostPort).containsExactly("127.0.0.9:80", "127.0.0.10:81");
    assertThatThrownBy(() -> EndpointConverter.socketAddress(SocketAddress.newBuilder().setAddress("reviews")
        .setPortValue(9080).build(), "cla x"))
        .hasMessage("cla x.address: must be an IP literal, got 'reviews'");
    assertThat(EndpointConverter.convert(XdsFixtures.cla("c")).isEmpty()).isTrue();
  }
}
