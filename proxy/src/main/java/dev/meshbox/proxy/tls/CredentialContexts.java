package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * Server contexts for credentials other than the workload's: a gateway server's certificate (and client CA for
 * MUTUAL) as SDS delivered them. Keyed by the material itself, so a rotated Secret makes a new context and the old
 * one is no longer handed out.
 */
final class CredentialContexts {

    /** Bounds the contexts kept: a few per gateway server, old material dropped wholesale when exceeded. */
    private static final int MAX = 256;

    private record Key(TlsSecret certificate, TlsSecret clientCa, List<String> alpn) {}

    private final Map<Key, SslContext> contexts = new ConcurrentHashMap<>();

    SslContext server(
            Map<String, TlsSecret> secrets, String certificateSecret, String validationSecret, List<String> alpn) {
        TlsSecret cert = secrets.get(certificateSecret);
        TlsSecret ca = validationSecret == null ? null : secrets.get(validationSecret);
        if (cert == null
                || !cert.isCertificate()
                || validationSecret != null && (ca == null || !ca.isValidationContext())) {
            return null;
        }
        Key key = new Key(cert, ca, List.copyOf(alpn));
        SslContext cached = contexts.get(key);
        if (cached != null) {
            return cached;
        }
        if (contexts.size() >= MAX) {
            contexts.clear();
        }
        return contexts.computeIfAbsent(key, CredentialContexts::build);
    }

    private static SslContext build(Key k) {
        try {
            SslContextBuilder b = KeyMaterial.forServer(
                            k.certificate().certificateChainPem(),
                            k.certificate().privateKeyPem(),
                            "secret " + k.certificate().name() + ": tls_certificate")
                    .sslProvider(TlsProvider.current())
                    .keyStoreType(TlsProvider.KEY_STORE_TYPE)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (k.clientCa() != null) {
                b.trustManager(WorkloadTls.pem(k.clientCa().trustedCaPem())).clientAuth(ClientAuth.REQUIRE);
            }
            if (!k.alpn().isEmpty()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        k.alpn()));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "secret " + k.certificate().name() + ": cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
