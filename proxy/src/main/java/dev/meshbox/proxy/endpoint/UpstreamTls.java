package dev.meshbox.proxy.endpoint;

import dev.meshbox.proxy.spec.UpstreamTlsSpec;
import dev.meshbox.proxy.tls.SecretsNotReadyException;
import dev.meshbox.proxy.tls.Sni;
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

/**
 * TLS toward one endpoint: a cluster's {@code UpstreamTlsContext}, with the workload certificate SDS delivered (Istio
 * mutual TLS) or the material the cluster named (a DestinationRule's SIMPLE or MUTUAL mode). Each new connection takes
 * the certificate current when it opens, so a rotation reaches new connections while open ones keep going.
 */
public record UpstreamTls(UpstreamTlsSpec spec, WorkloadTls source) {

    /**
     * The handler that starts the handshake, or null before SDS delivered the certificate. The connection must then
     * not be made at all ({@link #NOT_READY}): falling back to plaintext would send in the clear what the cluster says
     * goes over mTLS (Envoy keeps such a cluster warming).
     *
     * <p>The SNI goes out as Envoy sends it through OpenSSL (see {@link Sni}); the JDK's provider sends only a valid
     * host name, so Istio's {@code outbound_.PORT_.SUBSET_.FQDN} (underscores) stays off the wire with it (and a JDK
     * server would refuse it as an illegal parameter).
     */
    SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress address) {
        SslContext context = spec.usesSds()
                ? source.client(spec.alpn(), spec.subjectAltNames())
                : source.client(spec.material(), spec.alpn(), spec.subjectAltNames());
        if (context == null) {
            return null;
        }
        boolean sni = spec.sni() != null && !spec.sni().isEmpty();
        SslHandler handler = context.newHandler(alloc, sni ? spec.sni() : address.getHostString(), address.getPort());
        if (sni) {
            Sni.send(handler.engine(), spec.sni());
        }
        return handler;
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
            promise.setFailure(
                    new SecretsNotReadyException("no workload certificate yet (SDS secrets " + WorkloadTls.DEFAULT
                            + " and " + WorkloadTls.ROOTCA + " not delivered): not connecting to " + remote
                            + " in plaintext"));
        }
    }
}
