package dev.meshbox.proxy.endpoint;

import dev.meshbox.proxy.spec.UpstreamTlsSpec;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;

/**
 * TLS toward one endpoint: a cluster's {@code UpstreamTlsContext} with the workload certificate SDS delivered. Each
 * new connection takes the certificate current when it opens, so a rotation reaches new connections while open ones
 * keep going.
 */
public record UpstreamTls(UpstreamTlsSpec spec, WorkloadTls source) {

    /**
     * The handler that starts the handshake, or null before SDS delivered the certificate: the connection then goes in
     * plaintext, which a PERMISSIVE peer accepts (Envoy would keep the cluster warming instead).
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
}
