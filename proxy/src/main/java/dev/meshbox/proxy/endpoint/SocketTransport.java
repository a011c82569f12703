package dev.meshbox.proxy.endpoint;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * HTTP over TCP: the socket channel class matching the event loops (epoll or NIO), the local address to connect
 * from (the pod IP, or null for any), the largest body aggregated, the TLS toward the endpoint (null: plaintext;
 * a TLS endpoint is never reached in plaintext, even before the secrets arrive), and whether to speak HTTP/2 with
 * prior knowledge (a cluster with {@code explicit_http_config.http2_protocol_options}) instead of HTTP/1.1.
 */
public record SocketTransport(
        Class<? extends SocketChannel> channelClass,
        InetAddress localAddress,
        int maxBodyBytes,
        UpstreamTls tls,
        boolean http2)
        implements UpstreamTransport {

    public SocketTransport(Class<? extends SocketChannel> channelClass, InetAddress localAddress, int maxBodyBytes) {
        this(channelClass, localAddress, maxBodyBytes, null, false);
    }

    public SocketTransport(
            Class<? extends SocketChannel> channelClass, InetAddress localAddress, int maxBodyBytes, UpstreamTls tls) {
        this(channelClass, localAddress, maxBodyBytes, tls, false);
    }

    @Override
    public UpstreamTransport withTls(UpstreamTls value) {
        return new SocketTransport(channelClass, localAddress, maxBodyBytes, value, http2);
    }

    @Override
    public UpstreamTransport withHttp2(boolean value) {
        return value == http2 ? this : new SocketTransport(channelClass, localAddress, maxBodyBytes, tls, value);
    }

    @Override
    public ChannelFuture connect(
            EventLoop loop, InetSocketAddress address, Duration connectTimeout, UpstreamConnection connection) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), address);
                            ch.pipeline().addLast("tls", ssl == null ? UpstreamTls.NOT_READY : ssl);
                        }
                        if (http2) {
                            Http2Upstream.addCodec(ch.pipeline(), maxBodyBytes, tls != null);
                            connection.gatherUpTo(maxBodyBytes);
                            ch.pipeline().addLast(connection);
                        } else {
                            ch.pipeline()
                                    .addLast(new HttpClientCodec(), new HttpObjectAggregator(maxBodyBytes), connection);
                        }
                    }
                });
        ChannelFuture connected = localAddress == null
                ? bootstrap.connect(address)
                : bootstrap.connect(address, new InetSocketAddress(localAddress, 0));
        return tls == null ? connected : handshaken(connected);
    }

    @Override
    public ChannelFuture connectRaw(
            EventLoop loop,
            InetSocketAddress address,
            Duration connectTimeout,
            io.netty.channel.ChannelHandler handler) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), address);
                            ch.pipeline().addLast("tls", ssl == null ? UpstreamTls.NOT_READY : ssl);
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        ChannelFuture connected = localAddress == null
                ? bootstrap.connect(address)
                : bootstrap.connect(address, new InetSocketAddress(localAddress, 0));
        return tls == null ? connected : handshaken(connected);
    }

    /**
     * As Envoy's TLS transport socket raises "connected" only once the handshake is done: the connection can take a
     * request then, and a failed handshake is a connect failure whose cause says why (see TlsFailures).
     */
    private static ChannelFuture handshaken(ChannelFuture connected) {
        ChannelPromise ready = connected.channel().newPromise();
        connected.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
            if (ssl == null) {
                ready.trySuccess();
                return;
            }
            ssl.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    ready.trySuccess();
                } else {
                    ready.tryFailure(h.cause());
                    f.channel().close();
                }
            });
        });
        return ready;
    }
}
