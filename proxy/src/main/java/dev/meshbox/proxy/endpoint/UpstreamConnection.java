package dev.meshbox.proxy.endpoint;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
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
    /** The listener a response is being streamed to, from its headers to its end. */
    private ResponseListener streaming;
    /** The HTTP/2 response being gathered for a listener that takes whole messages. */
    private FullHttpResponse gathering;

    private int maxGatheredBytes = Integer.MAX_VALUE;
    private Throwable failure;
    private String localAddressText;
    State state = State.CONNECTING;
    int requestCount;
    ScheduledFuture<?> idleTimer;
    /** How long after {@link #idleTimer} fires the idle timeout ends, the connection having been used meanwhile. */
    long idleExtensionNanos;

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
        streaming = null;
        pool.release(this, reusable);
    }

    /** Abandons the request in flight: the connection cannot be reused. */
    public void abort() {
        listener = null;
        streaming = null;
        pool.abort(this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    /** HTTP/2 hands the response over in pieces: gathered into one message of at most {@code maxBytes}. */
    void gatherUpTo(int maxBytes) {
        this.maxGatheredBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpResponse response) {
            ResponseListener l = listener;
            listener = null;
            if (l != null && streaming == null && gathering == null) {
                l.onResponse(this, response);
                return;
            }
        } else if (msg instanceof HttpResponse head) {
            if (listener != null && streaming == null && gathering == null) {
                if (listener.streams(this, head)) {
                    streaming = listener;
                } else {
                    gathering = new DefaultFullHttpResponse(
                            head.protocolVersion(),
                            head.status(),
                            ctx.alloc().compositeBuffer(),
                            head.headers(),
                            new DefaultHttpHeaders());
                }
                return;
            }
        } else if (msg instanceof HttpContent content && (streaming != null || gathering != null)) {
            piece(ctx, content);
            return;
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    private void piece(ChannelHandlerContext ctx, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        ResponseListener s = streaming;
        if (s != null) {
            if (last) {
                streaming = null;
                listener = null;
                s.onResponseEnd(this, (LastHttpContent) content);
            } else {
                s.onResponseData(this, content);
            }
            return;
        }
        FullHttpResponse g = gathering;
        CompositeByteBuf body = (CompositeByteBuf) g.content();
        if (body.readableBytes() + content.content().readableBytes() > maxGatheredBytes) {
            content.release();
            gathering = null;
            g.release();
            exceptionCaught(ctx, new TooLongFrameException("response body over " + maxGatheredBytes + " bytes"));
            return;
        }
        body.addComponent(true, content.content());
        if (!last) {
            return;
        }
        g.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
        gathering = null;
        ResponseListener l = listener;
        listener = null;
        if (l != null) {
            l.onResponse(this, g);
        } else {
            g.release();
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
        streaming = null;
        if (gathering != null) {
            gathering.release();
            gathering = null;
        }
        ResponseListener l = listener;
        listener = null;
        if (l != null) {
            l.onReset(this, cause);
        }
    }
}
