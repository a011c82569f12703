package dev.meshbox.proxy.endpoint;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One HTTP/1.1 connection to an endpoint, carrying one request at a time. It is the last handler of the
 * upstream pipeline and hands the response (or a reset) to whoever sent the request.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  private final ConnectionPool pool;
  private Channel channel;
  private volatile ResponseListener listener;
  private volatile boolean reused;

  UpstreamConnection(ConnectionPool pool) {
    this.pool = pool;
  }

  public Channel channel() {
    return channel;
  }

  /** True when this request is not the first on the connection. */
  public boolean reused() {
    return reused;
  }

  void markReused() {
    reused = true;
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Sends {@code request} (ownership passes to the connection); the answer goes to {@code responseListener}. */
  public void send(FullHttpRequest request, ResponseListener responseListener) {
    this.listener = responseListener;
    channel.writeAndFlush(request).addListener(f -> {
      if (!f.isSuccess()) {
        fail(f.cause());
        channel.close();
      }
    });
  }

  /** Returns the connection to its pool when it can carry another request, else closes it. */
  public void release(boolean reusable) {
    listener = null;
    pool.release(this, reusable);
  }

  /** Abandons the request in flight: the connection cannot be reused. */
  public void abort() {
    listener = null;
    channel.close();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ResponseListener l = listener;
    listener = null;
    if (msg instanceof FullHttpResponse response && l != null) {
      l.onResponse(this, response);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(null);
    pool.forget(this);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
    ctx.close();
  }

  private void fail(Throwable cause) {
    ResponseListener l = listener;
    listener = null;
    if (l != null) {
      l.onReset(this, cause);
    }
  }
}
