package dev.meshbox.proxy.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.HttpToHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.InboundHttp2ToHttpAdapterBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The codec choice of Envoy's {@code codec_type: AUTO}: a connection that opens with HTTP/2's client preface
 * ({@code PRI * HTTP/2.0}, prior-knowledge h2c, as gRPC clients and Envoy's HTTP/2 clusters send it) is served by
 * HTTP/2; anything else by HTTP/1.1. For HTTP/2, Netty's translation handlers replace the HTTP/1.1 codec and
 * aggregator, so each stream reaches {@link DownstreamHandler} as one whole request and the filter chain stays the
 * same for both versions. Sits after the transport detector, so it sees the bytes inside mTLS too.
 */
public final class H2cDetector extends ByteToMessageDecoder {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final int maxBodyBytes;

    public H2cDetector(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                ctx.pipeline().remove(this); // HTTP/1.1: the bytes read so far go on to its codec
                return;
            }
        }
        if (n < PREFACE.length) {
            return;
        }
        Http2Connection connection = new DefaultHttp2Connection(true);
        ctx.pipeline()
                .replace(
                        HttpServerCodec.class,
                        "h2",
                        new HttpToHttp2ConnectionHandlerBuilder()
                                .connection(connection)
                                .frameListener(new InboundHttp2ToHttpAdapterBuilder(connection)
                                        .maxContentLength(maxBodyBytes)
                                        .propagateSettings(false)
                                        .validateHttpHeaders(false)
                                        .build())
                                .build());
        ctx.pipeline().remove(HttpObjectAggregator.class);
        DownstreamHandler downstream = ctx.pipeline().get(DownstreamHandler.class);
        if (downstream != null) {
            downstream.useHttp2();
        }
        ctx.pipeline().remove(this); // the preface and what follows go to the HTTP/2 handler
    }
}
