package dev.meshbox.proxy.tcp;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.spec.TcpProxySpec;
import dev.meshbox.proxy.stats.TcpMetrics;
import dev.meshbox.proxy.stats.Workload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Envoy's {@code tcp_proxy} for one downstream connection, as Netty's HexDumpProxy: both channels read only when
 * asked, the upstream opens on the downstream's event loop, and each side reads again only once what it read was
 * written to the other (back-pressure without buffering). A half-close travels to the other side; the connection ends
 * when both directions have ended, either side closes, or nothing moved for the idle timeout. One access log line per
 * connection, in Istio's format for TCP ({@code "- - -" 0}, the response flags {@code UH} no healthy host,
 * {@code UF} upstream connect failure, {@code NC} no such cluster, the upstream cluster and the requested server name).
 */
public final class TcpProxy extends ChannelInboundHandlerAdapter {

    /** What a TCP proxy needs of the proxy: time, randomness, the access log, its TCP metrics and own workload. */
    public record Services(
            Clock clock, Ticker ticker, RandomSource random, AccessLog accessLog, TcpMetrics metrics, Workload self) {

        /** Without metrics. */
        public Services(Clock clock, Ticker ticker, RandomSource random, AccessLog accessLog) {
            this(clock, ticker, random, accessLog, null, Workload.NONE);
        }
    }

    /** The connection as the listener accepted it. */
    public record Connection(String listener, ListenerSpec.Direction direction, String sni, String peerPrincipal) {}

    private final TcpProxySpec spec;
    private final Function<String, UpstreamCluster> clusters;
    private final Services services;
    private final Connection connection;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel upstream;
    private Host host;
    private UpstreamCluster cluster;
    private String clusterName;
    private String flags;
    private String failure;
    private Instant start;
    private long startNanos;
    private long bytesReceived;
    private long bytesSent;
    private boolean downstreamInputDone;
    private boolean upstreamInputDone;
    private boolean logged;
    private ChannelFuture lastUpstreamWrite;
    private ChannelFuture lastDownstreamWrite;

    public TcpProxy(
            TcpProxySpec spec, Function<String, UpstreamCluster> clusters, Services services, Connection connection) {
        this.spec = spec;
        this.clusters = clusters;
        this.services = services;
        this.connection = connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        start = services.clock().instant();
        startNanos = services.ticker().read();
        context.channel().config().setAutoRead(false);
        context.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (spec.idleTimeout() != null && !spec.idleTimeout().isZero()) {
            context.pipeline()
                    .addBefore(
                            context.name(),
                            "tcp-idle",
                            new IdleStateHandler(0, 0, spec.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        }
        if (context.channel().isActive()) {
            connect();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        if (upstream == null && flags == null) {
            connect();
        }
        context.fireChannelActive();
    }

    private void connect() {
        long total = spec.totalWeight();
        clusterName = spec.pick(total <= 0 ? 0 : services.random().shared().nextLong(total));
        cluster = clusterName == null ? null : clusters.apply(clusterName);
        if (cluster == null) {
            fail("NC", "no cluster " + clusterName);
            return;
        }
        UpstreamCluster target = cluster.originalDestinations() != null
                ? cluster.toDestination((InetSocketAddress) ctx.channel().localAddress())
                : cluster;
        host = target.pick(services.random().shared(), Set.of(), 1);
        if (host == null) {
            cluster.stats().upstreamCxNoneHealthy.increment();
            fail("UH", null);
            return;
        }
        cluster.stats().connectStarted();
        host.stats().connectStarted();
        ChannelFuture f;
        try {
            f = host.transport()
                    .connectRaw(
                            ctx.channel().eventLoop(),
                            host.address(),
                            cluster.spec().connectTimeout(),
                            new Upstream());
        } catch (UnsupportedOperationException e) {
            cluster.stats().connectFailed();
            host.stats().connectFailed();
            fail("UF", e.getMessage());
            return;
        }
        upstream = f.channel();
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                cluster.stats().connectFailed();
                host.stats().connectFailed();
                fail("UF", done.cause() == null ? null : done.cause().getMessage());
                return;
            }
            cluster.stats().connected();
            host.stats().connected();
            if (services.metrics() != null) {
                services.metrics().opened(metricLabels());
            }
            if (!ctx.channel().isActive()) {
                upstream.close();
                return;
            }
            while (!pending.isEmpty()) {
                Object msg = pending.poll();
                lastUpstreamWrite = upstream.write(msg);
            }
            upstream.flush();
            if (downstreamInputDone) {
                shutdownOutput(upstream, lastUpstreamWrite);
            } else {
                ctx.read();
            }
            upstream.read();
        });
    }

    private void fail(String flag, String reason) {
        flags = flag;
        failure = reason;
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        ctx.channel().close();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof ByteBuf b) {
            bytesReceived += b.readableBytes();
        }
        if (upstream == null || !upstream.isActive()) {
            if (flags != null) {
                ReferenceCountUtil.release(msg);
            } else {
                pending.add(msg); // bytes read before the upstream connected (the inspected first bytes)
            }
            return;
        }
        lastUpstreamWrite = upstream.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                context.read();
            } else {
                closeBoth();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            downstreamInputDone = true;
            if (upstream != null && upstream.isActive()) {
                shutdownOutput(upstream, lastUpstreamWrite);
            }
            if (upstreamInputDone) {
                closeBoth();
            }
        } else if (evt instanceof IdleStateEvent) {
            closeBoth();
        }
        context.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        if (upstream != null && upstream.isActive()) {
            upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        log();
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        closeBoth();
    }

    private void closeBoth() {
        if (upstream != null) {
            upstream.close();
        }
        ctx.channel().close();
    }

    /**
     * Ends {@code ch}'s output once its last write is done. A TLS connection cannot be half-closed under its records
     * (its end is a close_notify), so it is closed instead, and the close travels back to the other side.
     */
    private static void shutdownOutput(Channel ch, ChannelFuture lastWrite) {
        boolean tls = ch.pipeline().get(SslHandler.class) != null;
        Runnable end = () -> {
            if (!tls && ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                ch.close();
            }
        };
        if (lastWrite == null || lastWrite.isDone()) {
            end.run();
        } else {
            lastWrite.addListener(f -> end.run());
        }
    }

    private String metricLabels() {
        return TcpMetrics.labels(
                services.self(), connection.direction() != ListenerSpec.Direction.INBOUND, clusterName, flags);
    }

    private void log() {
        if (logged) {
            return;
        }
        logged = true;
        if (services.metrics() != null) {
            services.metrics().closed(metricLabels(), bytesSent, bytesReceived);
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(services.ticker().read() - startNanos);
        InetSocketAddress upstreamLocal = upstream == null ? null : (InetSocketAddress) upstream.localAddress();
        services.accessLog()
                .append(AccessLogEntry.builder()
                        .startTime(start)
                        .responseCode(0)
                        .responseFlags(flags)
                        .upstreamTransportFailureReason(failure)
                        .bytesReceived(bytesReceived)
                        .bytesSent(bytesSent)
                        .durationMs(durationMs)
                        .upstreamHost(host == null ? null : host.hostPort())
                        .upstreamCluster(clusterName)
                        .upstreamLocalAddress(text(upstreamLocal))
                        .downstreamLocalAddress(
                                text((InetSocketAddress) ctx.channel().localAddress()))
                        .downstreamRemoteAddress(
                                text((InetSocketAddress) ctx.channel().remoteAddress()))
                        .requestedServerName(connection.sni())
                        .downstreamPeerUriSan(connection.peerPrincipal())
                        .direction(connection.direction() == ListenerSpec.Direction.INBOUND ? "inbound" : "outbound")
                        .listener(connection.listener())
                        .build());
    }

    private static String text(InetSocketAddress a) {
        return a == null || a.getAddress() == null ? null : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** The upstream side: its bytes go downstream, read again once written. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext up, Object msg) {
            if (msg instanceof ByteBuf b) {
                bytesSent += b.readableBytes();
            }
            lastDownstreamWrite = ctx.channel().writeAndFlush(msg).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    up.read();
                } else {
                    closeBoth();
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext up, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                upstreamInputDone = true;
                shutdownOutput(ctx.channel(), lastDownstreamWrite);
                if (downstreamInputDone) {
                    closeBoth();
                }
            }
            up.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext up) {
            cluster.stats().closed();
            host.stats().closed();
            if (ctx.channel().isActive()) {
                ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            up.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext up, Throwable cause) {
            closeBoth();
        }
    }
}
