package dev.meshbox.proxy.endpoint;

import dev.meshbox.proxy.spec.UpstreamTlsSpec;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLException;

/**
 * TLS toward one endpoint: a cluster's {@code UpstreamTlsContext} with the workload certificate SDS delivered. Each
 * new connection takes the certificate current when it opens, so a rotation reaches new connections while open ones
 * keep going.
 */
public record UpstreamTls(UpstreamTlsSpec spec, WorkloadTls source) {

    /**
     * The handler that starts the handshake, or null before SDS delivered the certificate. The connection must then
     * not be made at all ({@link #NOT_READY}): falling back to plaintext would send in the clear what the cluster says
     * goes over mTLS (Envoy keeps such a cluster warming).
     *
     * <p>The SNI is given to the engine as the peer host; the JDK's provider sends it only when it is a valid host
     * name, so Istio's {@code outbound_.PORT_.SUBSET_.FQDN} (underscores) stays off the wire with that provider.
     */
    SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress address) {
        SslContext context = source.client(spec.alpn());
        if (context == null) {
            return null;
        }
        String peer = spec.sni() == null || spec.sni().isEmpty() ? address.getHostString() : spec.sni();
        return context.newHandler(alloc, peer, address.getPort());
    }

    /**
     * Stands where the TLS handler would, while the secrets are missing: fails the connect before any packet leaves,
     * so the request fails as a connect failure (503 UF) instead of going out in plaintext.
     */
    static final ChannelHandler NOT_READY = new NotReady();

    @ChannelHandler.Sharable
    private static final class NotReady extends ChannelOutboundHandlerAdapter {
        @Override
        public void connect(
                ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new SSLException("no workload certificate yet (SDS secrets " + WorkloadTls.DEFAULT
                    + " and " + WorkloadTls.ROOTCA + " not delivered): not connecting to " + remote
                    + " in plaintext"));
        }
    }
}
