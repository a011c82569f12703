package dev.meshbox.proxy.endpoint;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;

/**
 * One HTTP/1.1 connection to an endpoint, carrying one request at a time. It is the last handler of the
 * upstream pipeline and hands the response (or a reset) to whoever sent the request. Its state belongs to its
 * {@link ConnectionPool} and changes only on the pool's loop, which is also the channel's loop.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    enum State {
        CONNECTING,
        READY,
        BUSY,
        CLOSED
    }

    private final ConnectionPool pool;
    private Channel channel;
    private ResponseListener listener;
    private Throwable failure;
    private String localAddressText;
    State state = State.CONNECTING;
    int requestCount;
    ScheduledFuture<?> idleTimer;

    UpstreamConnection(ConnectionPool pool) {
        this.pool = pool;
    }

    public Channel channel() {
        return channel;
    }

    /** True when this request is not the first on the connection. */
    public boolean reused() {
        return requestCount > 1;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The local address as {@code ip:port}, for access logs; the same for every request on the connection. */
    public String localAddressText() {
        if (localAddressText == null) {
            InetSocketAddress a = localAddress();
            localAddressText = a == null ? null : a.getAddress().getHostAddress() + ":" + a.getPort();
        }
        return localAddressText;
    }

    void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /** Sends {@code request} (ownership passes to the connection); the answer goes to {@code responseListener}. */
    public void send(FullHttpRequest request, ResponseListener responseListener) {
        this.listener = responseListener;
        // A failed write reaches exceptionCaught (void promise), which records the cause and closes: a reset.
        channel.writeAndFlush(request, channel.voidPromise());
    }

    /** Returns the connection to its pool when it can carry another request, else closes it. */
    public void release(boolean reusable) {
        listener = null;
        pool.release(this, reusable);
    }

    /** Abandons the request in flight: the connection cannot be reused. */
    public void abort() {
        listener = null;
        pool.abort(this);
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
        // The pool frees the connection first, so a retry the reset triggers sees the slot free.
        pool.onClosed(this);
        fail(failure);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failure = cause;
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
