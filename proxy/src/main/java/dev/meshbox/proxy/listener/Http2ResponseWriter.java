package dev.meshbox.proxy.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
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
 * Writes a response on one HTTP/2 stream of a downstream connection in pieces, as the upstream sends them: HEADERS
 * without end of stream, each body piece as a DATA frame, then the trailers (or an empty DATA frame) ending the
 * stream; each flushed at once, so a gRPC server-streaming call's messages reach the client one by one. Frames go
 * straight to the connection's HTTP/2 encoder, since the HTTP/1-to-HTTP/2 translation keeps one "current" stream for
 * body pieces and the streams of a connection interleave.
 */
final class Http2ResponseWriter {

    private Http2ResponseWriter() {}

    static void headers(ChannelPipeline pipeline, int streamId, HttpResponse head) {
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
        Http2ConnectionHandler handler = handler(pipeline);
        ChannelHandlerContext ctx = pipeline.context(handler);
        handler.encoder().writeHeaders(ctx, streamId, out, 0, false, ctx.newPromise());
        flush(handler, ctx);
    }

    static void data(ChannelPipeline pipeline, int streamId, HttpContent content) {
        Http2ConnectionHandler handler = handler(pipeline);
        ChannelHandlerContext ctx = pipeline.context(handler);
        handler.encoder().writeData(ctx, streamId, content.content(), 0, false, ctx.newPromise());
        flush(handler, ctx);
    }

    static void end(ChannelPipeline pipeline, int streamId, LastHttpContent last) {
        Http2ConnectionHandler handler = handler(pipeline);
        ChannelHandlerContext ctx = pipeline.context(handler);
        boolean trailers = !last.trailingHeaders().isEmpty();
        if (last.content().isReadable() || !trailers) {
            handler.encoder().writeData(ctx, streamId, last.content(), 0, !trailers, ctx.newPromise());
        } else {
            last.release();
        }
        if (trailers) {
            handler.encoder()
                    .writeHeaders(
                            ctx,
                            streamId,
                            HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), false),
                            0,
                            true,
                            ctx.newPromise());
        }
        flush(handler, ctx);
    }

    static void reset(ChannelPipeline pipeline, int streamId) {
        Http2ConnectionHandler handler = handler(pipeline);
        ChannelHandlerContext ctx = pipeline.context(handler);
        handler.encoder().writeRstStream(ctx, streamId, Http2Error.INTERNAL_ERROR.code(), ctx.newPromise());
        flush(handler, ctx);
    }

    /** Through the HTTP/2 handler, which writes what its flow controller holds, then on to the socket. */
    private static void flush(Http2ConnectionHandler handler, ChannelHandlerContext ctx) {
        handler.flush(ctx);
    }

    private static Http2ConnectionHandler handler(ChannelPipeline pipeline) {
        Http2ConnectionHandler handler = pipeline.get(Http2ConnectionHandler.class);
        if (handler == null) {
            throw new IllegalStateException("not an HTTP/2 connection");
        }
        return handler;
    }
}
