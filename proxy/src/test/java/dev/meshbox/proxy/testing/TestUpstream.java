package dev.meshbox.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A tiny keep-alive HTTP upstream: answers {@code name} (or what {@link #behaviour} says), counts connections
 * and keeps the requests it saw.
 */
public final class TestUpstream implements AutoCloseable {

    /** What to answer; a positive delay postpones the answer. */
    public record Reply(int status, String body, long delayMs, Map<String, String> headers) {
        public static Reply ok(String body) {
            return new Reply(200, body, 0, Map.of());
        }
    }

    public record Seen(String method, String uri, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
            2, new io.netty.util.concurrent.DefaultThreadFactory("test-upstream", true), NioIoHandler.newFactory());

    private final String name;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Function<Seen, Reply> behaviour;

    public TestUpstream(String name, String ip, int port) throws Exception {
        this.name = name;
        this.behaviour = s -> Reply.ok(name);
        this.server = new ServerBootstrap()
                .group(GROUP)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(1 << 20),
                                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                                            @Override
                                            protected void channelRead0(
                                                    ChannelHandlerContext ctx, FullHttpRequest req) {
                                                Map<String, String> headers = new java.util.HashMap<>();
                                                req.headers()
                                                        .forEach(e -> headers.merge(
                                                                e.getKey().toLowerCase(),
                                                                e.getValue(),
                                                                (a, b) -> a + "," + b));
                                                Seen s = new Seen(req.method().name(), req.uri(), headers);
                                                seen.add(s);
                                                boolean keepAlive = HttpUtil.isKeepAlive(req);
                                                Reply reply = behaviour.apply(s);
                                                Runnable send = () -> {
                                                    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
                                                    FullHttpResponse resp = new DefaultFullHttpResponse(
                                                            HttpVersion.HTTP_1_1,
                                                            HttpResponseStatus.valueOf(reply.status()),
                                                            Unpooled.wrappedBuffer(body));
                                                    resp.headers()
                                                            .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                                                            .set(HttpHeaderNames.SERVER, "test-upstream")
                                                            .set("x-upstream", name);
                                                    reply.headers()
                                                            .forEach((k, v) -> resp.headers()
                                                                    .set(k, v));
                                                    if (!keepAlive) {
                                                        resp.headers().set(HttpHeaderNames.CONNECTION, "close");
                                                    }
                                                    var f = ctx.writeAndFlush(resp);
                                                    if (!keepAlive) {
                                                        f.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                                                    }
                                                };
                                                if (reply.delayMs() > 0) {
                                                    ctx.executor()
                                                            .schedule(send, reply.delayMs(), TimeUnit.MILLISECONDS);
                                                } else {
                                                    send.run();
                                                }
                                            }
                                        });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getByName(ip), port))
                .sync()
                .channel();
    }

    public void behaviour(Function<Seen, Reply> newBehaviour) {
        this.behaviour = newBehaviour;
    }

    public void reset() {
        behaviour = s -> Reply.ok(name);
        seen.clear();
    }

    public int connections() {
        return connections.get();
    }

    public List<Seen> seen() {
        return seen;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}
