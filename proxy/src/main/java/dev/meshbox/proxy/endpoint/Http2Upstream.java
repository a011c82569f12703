package dev.meshbox.proxy.endpoint;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpScheme;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpToHttp2ConnectionHandlerBuilder;

/**
 * The HTTP/2 client side of an upstream connection, as Envoy's HTTP/2 codec toward a cluster with {@code
 * http2_protocol_options}: the client preface goes out with the first bytes (prior knowledge, no upgrade), each
 * request is a stream, and the response comes as {@link Http2ResponseFrames} reads it (headers, each DATA frame, the
 * trailers with gRPC's {@code grpc-status}), which {@link UpstreamConnection} streams or gathers into one message
 * of at most {@code maxBodyBytes}. The connection carries one request at a time, as the pool lends it; streams are not
 * multiplexed.
 */
final class Http2Upstream {

    private Http2Upstream() {}

    static void addCodec(ChannelPipeline pipeline, int maxBodyBytes, boolean tls) {
        Http2Connection connection = new DefaultHttp2Connection(false);
        pipeline.addLast(
                "h2",
                new HttpToHttp2ConnectionHandlerBuilder()
                        .connection(connection)
                        .httpScheme(tls ? HttpScheme.HTTPS : HttpScheme.HTTP)
                        .frameListener(new Http2ResponseFrames(connection))
                        .build());
        pipeline.addLast("h2-messages", new Messages());
    }

    /**
     * Drops what HTTP/2 forbids from requests (the HTTP/1.1 connection headers; {@code te} other than {@code
     * trailers}) and the translation's extension headers from responses.
     */
    private static final class Messages extends ChannelDuplexHandler {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof FullHttpRequest request) {
                // The request's headers are shared by every attempt of the call: strip on a copy.
                FullHttpRequest out = new DefaultFullHttpRequest(
                        request.protocolVersion(),
                        request.method(),
                        request.uri(),
                        request.content(),
                        request.headers().copy(),
                        request.trailingHeaders());
                out.headers().remove(HttpHeaderNames.CONNECTION);
                out.headers().remove(HttpHeaderNames.KEEP_ALIVE);
                out.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                out.headers().remove(HttpHeaderNames.UPGRADE);
                out.headers().remove(HttpHeaderNames.PROXY_CONNECTION);
                String te = out.headers().get(HttpHeaderNames.TE);
                if (te != null && !te.equalsIgnoreCase("trailers")) {
                    out.headers().remove(HttpHeaderNames.TE);
                }
                out.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
                ctx.write(out, promise);
                return;
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse response) {
                for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
                    response.headers().remove(n.text());
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
