package dev.meshbox.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * A tiny HTTP/1.1 server for admin and health endpoints. Handlers run off the event loop (on
 * {@code executor}) because some of them (config dump) do real work.
 */
public final class AdminHttpServer implements AutoCloseable {

    private final Channel channel;

    private AdminHttpServer(Channel channel) {
        this.channel = channel;
    }

    public static AdminHttpServer start(
            EventLoopGroup group,
            Class<? extends ServerChannel> serverChannel,
            InetSocketAddress address,
            Executor executor,
            Function<QueryStringDecoder, AdminResponse> handler)
            throws InterruptedException {
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(64 * 1024),
                                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                                            @Override
                                            protected void channelRead0(
                                                    ChannelHandlerContext ctx, FullHttpRequest request) {
                                                boolean keepAlive = HttpUtil.isKeepAlive(request);
                                                QueryStringDecoder query = new QueryStringDecoder(request.uri());
                                                String method = request.method().name();
                                                executor.execute(() -> {
                                                    AdminResponse answer;
                                                    try {
                                                        answer = handler instanceof AdminEndpoints endpoints
                                                                ? endpoints.apply(method, query)
                                                                : handler.apply(query);
                                                    } catch (RuntimeException e) {
                                                        answer = AdminResponse.text(500, "error: " + e + "\n");
                                                    }
                                                    write(ctx, answer, keepAlive);
                                                });
                                            }
                                        });
                    }
                })
                .bind(address)
                .sync()
                .channel();
        return new AdminHttpServer(ch);
    }

    private static void write(ChannelHandlerContext ctx, AdminResponse answer, boolean keepAlive) {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.SERVER, "envoy");
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
