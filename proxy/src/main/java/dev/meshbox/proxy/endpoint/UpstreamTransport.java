package dev.meshbox.proxy.endpoint;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How a pool opens an upstream connection: over TCP sockets ({@link SocketTransport}), or, in tests, over channels
 * the test drives by hand. The connection's pipeline ends in {@code connection}, which receives whole HTTP responses.
 */
public interface UpstreamTransport {

    /** Starts connecting on {@code loop}; the future completes when the connection can take a request. */
    ChannelFuture connect(
            EventLoop loop, InetSocketAddress address, Duration connectTimeout, UpstreamConnection connection);

    /**
     * Starts a connection for a TCP proxy on {@code loop}: no HTTP codec, the cluster's TLS (when it has one) and then
     * {@code handler}; the channel reads only when asked and may be half-closed. The future completes when bytes can
     * flow (after the TLS handshake). Transports that only speak HTTP refuse.
     */
    default ChannelFuture connectRaw(
            EventLoop loop,
            InetSocketAddress address,
            Duration connectTimeout,
            io.netty.channel.ChannelHandler handler) {
        throw new UnsupportedOperationException("this transport carries HTTP only");
    }

    /** This transport with TLS toward the endpoint, for a cluster's matching transport socket; unchanged by default. */
    default UpstreamTransport withTls(UpstreamTls tls) {
        return this;
    }

    /** This transport speaking HTTP/2 with prior knowledge ({@code true}) or HTTP/1.1; unchanged by default. */
    default UpstreamTransport withHttp2(boolean http2) {
        return this;
    }
}
