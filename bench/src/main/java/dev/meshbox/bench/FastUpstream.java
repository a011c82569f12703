package dev.meshbox.bench;

import dev.meshbox.proxy.ProxyEventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The fast upstream every data-plane target ends at: an HTTP/1.1 keep-alive server that answers any request with
 * the same {@code bodyBytes} body, so what a benchmark measures is the hop in front of it. The body is one shared
 * read-only buffer; a response is a retained duplicate, so serving allocates no payload.
 */
public final class FastUpstream implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel channel;

    private FastUpstream(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static FastUpstream start(InetSocketAddress bind, int bodyBytes, int threads) throws InterruptedException {
        byte[] text = new byte[bodyBytes];
        Arrays.fill(text, (byte) 'x');
        ByteBuf body = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(bodyBytes).writeBytes(text).asReadOnly());
        EventLoopGroup group = ProxyEventLoops.create(threads, "fast-upstream");
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline()
                                    .addLast(
                                            new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Answer(body));
                        }
                    })
                    .bind(bind)
                    .sync()
                    .channel();
            return new FastUpstream(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers 200 with the shared body; closes only when the client asked to. */
    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ByteBuf body;

        Answer(ByteBuf body) {
            this.body = body;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            FullHttpResponse response =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body.retainedDuplicate());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
