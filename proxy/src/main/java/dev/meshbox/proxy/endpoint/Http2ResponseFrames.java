package dev.meshbox.proxy.endpoint;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * The frames of an upstream HTTP/2 response as they arrive, as Envoy's codec hands them to the router: the response
 * headers as an {@code HttpResponse} (or a {@code FullHttpResponse} when they end the stream, gRPC's trailers-only
 * answer), each DATA frame as an {@code HttpContent}, and the end (the last DATA frame, or the trailers) as a {@code
 * LastHttpContent}. {@link UpstreamConnection} streams them to a listener that asks for it, else gathers them into one
 * message. DATA is acknowledged to the flow controller as it is handed on.
 */
final class Http2ResponseFrames extends Http2EventAdapter {

    private final Http2Connection connection;
    private final Http2Connection.PropertyKey started;

    Http2ResponseFrames(Http2Connection connection) {
        this.connection = connection;
        this.started = connection.newKey();
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2Stream stream = connection.stream(streamId);
        if (stream != null && stream.getProperty(started) != null) {
            LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, false);
            HttpConversionUtil.addHttp2ToHttpHeaders(
                    streamId, headers, last.trailingHeaders(), HttpVersion.HTTP_1_1, true, false);
            ctx.fireChannelRead(last);
            return;
        }
        if (endOfStream) {
            ctx.fireChannelRead(HttpConversionUtil.toFullHttpResponse(streamId, headers, ctx.alloc(), false));
            return;
        }
        if (headers.status() != null
                && headers.status().length() == 3
                && headers.status().charAt(0) == '1') {
            return; // an informational answer (100 Continue): the real one follows
        }
        if (stream != null) {
            stream.setProperty(started, Boolean.TRUE);
        }
        ctx.fireChannelRead(HttpConversionUtil.toHttpResponse(streamId, headers, false));
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endOfStream)
            throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        int processed = data.readableBytes() + padding;
        ctx.fireChannelRead(
                endOfStream ? new DefaultLastHttpContent(data.retain(), false) : new DefaultHttpContent(data.retain()));
        return processed;
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2Error error = Http2Error.valueOf(errorCode);
        ctx.fireExceptionCaught(Http2Exception.streamError(
                streamId,
                error == null ? Http2Error.INTERNAL_ERROR : error,
                "the upstream reset stream %d (%s)",
                streamId,
                error == null ? errorCode : error.name()));
    }
}
