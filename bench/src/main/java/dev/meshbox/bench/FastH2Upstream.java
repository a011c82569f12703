package dev.meshbox.bench;

import dev.meshbox.proxy.ProxyEventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * {@link FastUpstream} for HTTP/2: an h2c server (prior knowledge, as a sidecar speaks to a port Istio selects as HTTP2)
 * that answers every stream, once its request has ended, with 200 and the same shared {@code bodyBytes} body.
 */
public final class FastH2Upstream implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel channel;

    private FastH2Upstream(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static FastH2Upstream start(InetSocketAddress bind, int bodyBytes, int threads) throws InterruptedException {
        byte[] text = new byte[bodyBytes];
        Arrays.fill(text, (byte) 'x');
        ByteBuf body = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(bodyBytes).writeBytes(text).asReadOnly());
        EventLoopGroup group = ProxyEventLoops.create(threads, "fast-h2-upstream");
        ChannelHandler answer = new Answer(body);
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
                                            Http2FrameCodecBuilder.forServer().build(),
                                            new Http2MultiplexHandler(answer));
                        }
                    })
                    .bind(bind)
                    .sync()
                    .channel();
            return new FastH2Upstream(group, ch);
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

    /** On a stream's last frame: 200, {@code content-length} and the shared body, ending the stream. */
    @ChannelHandler.Sharable
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private final ByteBuf body;

        Answer(ByteBuf body) {
            this.body = body;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = msg instanceof Http2HeadersFrame h && h.isEndStream()
                        || msg instanceof Http2DataFrame d && d.isEndStream();
                if (end) {
                    Http2Headers headers = new DefaultHttp2Headers()
                            .status("200")
                            .add("content-type", "text/plain")
                            .addInt("content-length", body.readableBytes());
                    ctx.write(new DefaultHttp2HeadersFrame(headers));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(body.retainedDuplicate(), true));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
