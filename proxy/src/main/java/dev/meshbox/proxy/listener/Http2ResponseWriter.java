package dev.meshbox.proxy.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Writes the responses of one downstream HTTP/2 connection. A whole response goes through the HTTP/1-to-HTTP/2
 * translation; a streamed one goes out in pieces as the upstream sends them (HEADERS without end of stream, each body
 * piece as a DATA frame, then the trailers or an empty DATA frame ending the stream), straight to the connection's
 * HTTP/2 encoder, since the translation keeps one "current" stream for body pieces and the streams of a connection
 * interleave.
 *
 * <p>Writes are flushed once per turn of the event loop rather than once per frame or response: the flush is a task
 * that runs after the loop has handled every socket that was ready, so the frames of all the responses (and of all
 * the pieces of one) that arrived together leave in one write to the socket. A gRPC server-streaming call's messages
 * still reach the client one by one: nothing waits beyond the current turn.
 */
final class Http2ResponseWriter {

    private final ChannelHandlerContext last;
    private final Runnable flushTask = this::flushNow;
    private boolean flushScheduled;

    /** {@code last}: the context of the pipeline's last handler, whose writes pass the translation. */
    Http2ResponseWriter(ChannelHandlerContext last) {
        this.last = last;
    }

    void whole(FullHttpResponse response) {
        last.write(response, last.voidPromise());
        scheduleFlush();
    }

    void headers(int streamId, HttpResponse head) {
        HttpHeaders h = head.headers();
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
            h.remove(n.text());
        }
        Http2Headers out = HttpConversionUtil.toHttp2Headers(head, false);
        Http2ConnectionHandler handler = handler();
        ChannelHandlerContext ctx = last.pipeline().context(handler);
        handler.encoder().writeHeaders(ctx, streamId, out, 0, false, ctx.newPromise());
        scheduleFlush();
    }

    void data(int streamId, HttpContent content) {
        Http2ConnectionHandler handler = handler();
        ChannelHandlerContext ctx = last.pipeline().context(handler);
        handler.encoder().writeData(ctx, streamId, content.content(), 0, false, ctx.newPromise());
        scheduleFlush();
    }

    void end(int streamId, LastHttpContent lastContent) {
        Http2ConnectionHandler handler = handler();
        ChannelHandlerContext ctx = last.pipeline().context(handler);
        boolean trailers = !lastContent.trailingHeaders().isEmpty();
        if (lastContent.content().isReadable() || !trailers) {
            handler.encoder().writeData(ctx, streamId, lastContent.content(), 0, !trailers, ctx.newPromise());
        } else {
            lastContent.release();
        }
        if (trailers) {
            handler.encoder()
                    .writeHeaders(
                            ctx,
                            streamId,
                            HttpConversionUtil.toHttp2Headers(lastContent.trailingHeaders(), false),
                            0,
                            true,
                            ctx.newPromise());
        }
        scheduleFlush();
    }

    void reset(int streamId) {
        Http2ConnectionHandler handler = handler();
        ChannelHandlerContext ctx = last.pipeline().context(handler);
        handler.encoder().writeRstStream(ctx, streamId, Http2Error.INTERNAL_ERROR.code(), ctx.newPromise());
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            last.channel().eventLoop().execute(flushTask);
        }
    }

    /** From the last handler: through the HTTP/2 handler, which writes what its flow controller holds, to the socket. */
    private void flushNow() {
        flushScheduled = false;
        last.flush();
    }

    private Http2ConnectionHandler handler() {
        ChannelPipeline pipeline = last.pipeline();
        Http2ConnectionHandler handler = pipeline.get(Http2ConnectionHandler.class);
        if (handler == null) {
            throw new IllegalStateException("not an HTTP/2 connection");
        }
        return handler;
    }
}
