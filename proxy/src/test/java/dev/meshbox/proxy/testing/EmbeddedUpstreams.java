package dev.meshbox.proxy.testing;

import dev.meshbox.proxy.endpoint.UpstreamConnection;
import dev.meshbox.proxy.endpoint.UpstreamTransport;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upstream endpoints without sockets: each connection a pool opens is an {@link EmbeddedChannel} ending in the pool's
 * {@link UpstreamConnection}; the test reads the requests that arrive and answers, resets or closes them by hand.
 */
public final class EmbeddedUpstreams implements UpstreamTransport {

    /** One request as it reached an upstream endpoint, with the connection it came on. */
    public static final class Arrived {
        private final EmbeddedChannel connection;
        private final FullHttpRequest request;

        Arrived(EmbeddedChannel connection, FullHttpRequest request) {
            this.connection = connection;
            this.request = request;
        }

        public FullHttpRequest request() {
            return request;
        }

        public String header(String name) {
            return request.headers().get(name);
        }

        /** Answers with {@code status} and a text body; {@code headers} are name, value pairs. */
        public void respond(int status, String body, String... headers) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            for (int i = 0; i < headers.length; i += 2) {
                response.headers().add(headers[i], headers[i + 1]);
            }
            request.release();
            connection.writeInbound(response);
        }

        /** The upstream closes the connection before answering. */
        public void reset() {
            request.release();
            connection.close();
        }
    }

    private final Map<InetSocketAddress, List<EmbeddedChannel>> connections = new HashMap<>();
    private final Set<InetSocketAddress> refusing = new HashSet<>();

    /** Connections to {@code hostPort} fail from now on, as to a port nobody listens on. */
    public void refuse(String hostPort) {
        refusing.add(address(hostPort));
    }

    @Override
    public ChannelFuture connect(
            EventLoop loop, InetSocketAddress address, Duration connectTimeout, UpstreamConnection connection) {
        if (refusing.contains(address)) {
            EmbeddedChannel failed = new EmbeddedChannel();
            return failed.newFailedFuture(new ConnectException("Connection refused"));
        }
        EmbeddedChannel channel = new Addressed(new InetSocketAddress("127.0.0.1", 40000), address, connection);
        connections.computeIfAbsent(address, a -> new ArrayList<>()).add(channel);
        return channel.newSucceededFuture();
    }

    /** The oldest request that reached {@code hostPort} and was not taken yet, or null. */
    public Arrived next(String hostPort) {
        for (EmbeddedChannel c : connections.getOrDefault(address(hostPort), List.of())) {
            Object out = c.readOutbound();
            if (out instanceof FullHttpRequest request) {
                return new Arrived(c, request);
            }
        }
        return null;
    }

    /** How many connections were opened to {@code hostPort}. */
    public int connectionsOpened(String hostPort) {
        return connections.getOrDefault(address(hostPort), List.of()).size();
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** An embedded channel with socket addresses, as the proxy's access log and routing read them. */
    static final class Addressed extends EmbeddedChannel {
        private final SocketAddress local;
        private final SocketAddress remote;
        private boolean peerGone;

        Addressed(SocketAddress local, SocketAddress remote, io.netty.channel.ChannelHandler... handlers) {
            super(handlers);
            this.local = local;
            this.remote = remote;
        }

        /**
         * The peer went away: the channel turns inactive, as a socket does, but stays registered so that the timers
         * of its event loop still run (closing an embedded channel would cancel them, which a real loop does not).
         */
        void peerGone() {
            peerGone = true;
            pipeline().fireChannelInactive();
        }

        @Override
        public boolean isActive() {
            return !peerGone && super.isActive();
        }

        @Override
        protected SocketAddress localAddress0() {
            return local;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }
}
