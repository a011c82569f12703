package dev.meshbox.proxy.endpoint;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Keep-alive HTTP/1.1 connections to one endpoint. An idle connection is reused when one is open; otherwise a
 * new one is made on the caller's event loop, as Netty's proxy example does.
 */
public final class ConnectionPool implements AutoCloseable {

  private final InetSocketAddress address;
  private final UpstreamTransport transport;
  private final ConnectionEvents events;
  private final ConcurrentLinkedDeque<UpstreamConnection> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  public ConnectionPool(InetSocketAddress address, UpstreamTransport transport, ConnectionEvents events) {
    this.address = address;
    this.transport = transport;
    this.events = events;
  }

  public int idleCount() {
    return idle.size();
  }

  public Future<UpstreamConnection> acquire(EventLoop loop, Duration connectTimeout) {
    Promise<UpstreamConnection> promise = loop.newPromise();
    UpstreamConnection conn;
    while ((conn = idle.pollLast()) != null) {
      if (conn.channel().isActive()) {
        conn.markReused();
        return promise.setSuccess(conn);
      }
    }
    if (closed) {
      return promise.setFailure(new IllegalStateException("connection pool to " + address + " is closed"));
    }
    UpstreamConnection fresh = new UpstreamConnection(this);
    Bootstrap bootstrap = new Bootstrap()
        .group(loop)
        .channel(transport.channelClass())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE,
            connectTimeout.toMillis())))
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(transport.maxBodyBytes()), fresh);
          }
        });
    events.connectStarted();
    ChannelFuture connect = transport.localAddress() == null ? bootstrap.connect(address)
        : bootstrap.connect(address, new InetSocketAddress(transport.localAddress(), 0));
    connect.addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        events.connected();
        f.channel().closeFuture().addListener(x -> events.closed());
        promise.setSuccess(fresh);
      } else {
        events.connectFailed();
        promise.setFailure(f.cause());
      }
    });
    return promise;
  }

  void release(UpstreamConnection conn, boolean reusable) {
    if (reusable && !closed && conn.channel().isActive()) {
      idle.offerLast(conn);
      if (closed && idle.remove(conn)) {
        conn.channel().close();
      }
    } else {
      conn.channel().close();
    }
  }

  void forget(UpstreamConnection conn) {
    idle.remove(conn);
  }

  @Override
  public void close() {
    closed = true;
    UpstreamConnection conn;
    while ((conn = idle.poll()) != null) {
      conn.channel().close();
    }
  }
}
