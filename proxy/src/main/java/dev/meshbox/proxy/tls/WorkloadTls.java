package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The workload's TLS material as SDS last delivered it ({@code default}: key and chain; {@code ROOTCA}: the root), as
 * Netty contexts: one server context for inbound mutual TLS and a client context per ALPN list for upstream clusters.
 * An SDS update builds new contexts and swaps them in whole; connections open keep the context they started with, new
 * ones take the new certificate, as Envoy rotates without dropping connections. Thread-safe.
 */
public final class WorkloadTls {

    public static final String DEFAULT = "default";
    public static final String ROOTCA = "ROOTCA";

    /** Contexts built from one pair of secrets; client contexts are made on first use per ALPN list. */
    private record Contexts(
            TlsSecret certificate, TlsSecret root, SslContext server, Map<List<String>, SslContext> clients) {}

    private final AtomicReference<Contexts> current = new AtomicReference<>();
    private volatile Map<String, TlsSecret> secrets = Map.of();

    /**
     * Takes the secrets of an SDS response (state of the world for the names asked for). Throws
     * IllegalArgumentException, for a NACK, when a secret cannot be made into a TLS context; the previous contexts
     * then keep serving.
     */
    public void update(Map<String, TlsSecret> delivered) {
        TlsSecret cert = delivered.get(DEFAULT);
        TlsSecret root = delivered.get(ROOTCA);
        if (cert != null && !cert.isCertificate()) {
            throw new IllegalArgumentException("secret default: must hold tls_certificate with a chain and a key");
        }
        if (root != null && !root.isValidationContext()) {
            throw new IllegalArgumentException("secret ROOTCA: must hold validation_context.trusted_ca");
        }
        if (cert != null && root != null) {
            current.set(new Contexts(cert, root, server(cert, root), new ConcurrentHashMap<>()));
        }
        secrets = Map.copyOf(delivered);
    }

    /** Whether the workload certificate and the root have arrived. */
    public boolean ready() {
        return current.get() != null;
    }

    public Map<String, TlsSecret> secrets() {
        return secrets;
    }

    /** The inbound mutual TLS context, or null before SDS delivered the secrets. */
    public SslContext server() {
        Contexts c = current.get();
        return c == null ? null : c.server();
    }

    /** A client context offering {@code alpn}, or null before SDS delivered the secrets. */
    public SslContext client(List<String> alpn) {
        Contexts c = current.get();
        return c == null ? null : c.clients().computeIfAbsent(List.copyOf(alpn), a -> client(c, a));
    }

    private static SslContext server(TlsSecret cert, TlsSecret root) {
        try {
            return SslContextBuilder.forServer(pem(cert.certificateChainPem()), pem(cert.privateKeyPem()))
                    .trustManager(pem(root.trustedCaPem()))
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "secrets default and ROOTCA: cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static SslContext client(Contexts c, List<String> alpn) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .keyManager(
                            pem(c.certificate().certificateChainPem()),
                            pem(c.certificate().privateKeyPem()))
                    .trustManager(pem(c.root().trustedCaPem()))
                    // The peer is checked by its SPIFFE identity, not by host name: the SNI is Istio's cluster key.
                    .endpointIdentificationAlgorithm(null)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (!alpn.isEmpty()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        alpn));
            }
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a client TLS context: " + e.getMessage(), e);
        }
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
