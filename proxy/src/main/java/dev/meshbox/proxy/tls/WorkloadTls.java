package dev.meshbox.proxy.tls;

import dev.meshbox.proxy.route.StringMatch;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The workload's TLS material as SDS last delivered it ({@code default}: key and chain; {@code ROOTCA}: the root), as
 * Netty contexts: one server context for inbound mutual TLS and a client context per ALPN list for upstream clusters.
 * An SDS update builds new contexts and swaps them in whole; connections open keep the context they started with, new
 * ones take the new certificate, as Envoy rotates without dropping connections. Thread-safe.
 */
public final class WorkloadTls {

    public static final String DEFAULT = "default";
    public static final String ROOTCA = "ROOTCA";

    /** What a client context is made for: the ALPN it offers and the server names it accepts. */
    private record ClientKey(List<String> alpn, List<StringMatch> subjectAltNames) {}

    /** A client context for user-supplied material. */
    private record MaterialKey(ClientMaterial material, ClientKey client) {}

    /** Contexts built from one pair of secrets; client contexts are made on first use per ALPN and SAN list. */
    private record Contexts(
            TlsSecret certificate, TlsSecret root, SslContext server, Map<ClientKey, SslContext> clients) {}

    /** Bounds the contexts kept for user-supplied material (a few per DestinationRule). */
    private static final int MAX_MATERIAL_CONTEXTS = 256;

    private final AtomicReference<Contexts> current = new AtomicReference<>();
    private final Map<MaterialKey, SslContext> materialClients = new ConcurrentHashMap<>();
    private final CredentialContexts credentials = new CredentialContexts();
    private final Clock clock;
    private volatile Map<String, TlsSecret> secrets = Map.of();

    /** @param clock the time a delivered certificate must be valid at (null: validity not checked on delivery) */
    public WorkloadTls(Clock clock) {
        this.clock = clock;
    }

    /** Without a clock: a delivered certificate's validity period is not checked (tests driving time by hand). */
    public WorkloadTls() {
        this(null);
    }

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
        if (cert != null) {
            checkKeyPair(cert.certificateChainPem(), cert.privateKeyPem(), "secret default: tls_certificate", now());
        }
        if (root != null) {
            certificates(root.trustedCaPem(), "secret ROOTCA: validation_context.trusted_ca");
        }
        for (Map.Entry<String, TlsSecret> e : delivered.entrySet()) {
            // A gateway's credentials (kubernetes://NAME, file-cert:...): checked as Envoy checks them, else NACKed.
            if (e.getKey().equals(DEFAULT) || e.getKey().equals(ROOTCA)) {
                continue;
            }
            TlsSecret s = e.getValue();
            if (s.isCertificate()) {
                checkKeyPair(
                        s.certificateChainPem(),
                        s.privateKeyPem(),
                        "secret " + e.getKey() + ": tls_certificate",
                        now());
            } else if (s.isValidationContext()) {
                certificates(s.trustedCaPem(), "secret " + e.getKey() + ": validation_context.trusted_ca");
            }
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

    /**
     * A server context for a credential of its own (a gateway's HTTPS server): the certificate secret
     * {@code certificateSecret}, offering {@code alpn}, and when {@code validationSecret} is not null a client
     * certificate required and checked against it. Null until SDS delivered them. Contexts are kept per delivered
     * material, so a rotated Secret gives new connections a new context while open ones keep theirs.
     */
    public SslContext credentialServer(String certificateSecret, String validationSecret, List<String> alpn) {
        return credentials.server(secrets, certificateSecret, validationSecret, alpn);
    }

    /** A client context offering {@code alpn}, or null before SDS delivered the secrets. */
    public SslContext client(List<String> alpn) {
        return client(alpn, List.of());
    }

    /**
     * A client context with the workload certificate, offering {@code alpn} and accepting a server whose chain leads
     * to ROOTCA and whose SAN matches one of {@code subjectAltNames} (any when empty); null before SDS delivered.
     */
    public SslContext client(List<String> alpn, List<StringMatch> subjectAltNames) {
        Contexts c = current.get();
        if (c == null) {
            return null;
        }
        return c.clients().computeIfAbsent(new ClientKey(List.copyOf(alpn), List.copyOf(subjectAltNames)), k -> {
            try {
                return client(
                        new ClientMaterial(
                                c.certificate().certificateChainPem(),
                                c.certificate().privateKeyPem(),
                                c.root().trustedCaPem()),
                        k);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /** A client context for user-supplied material (DestinationRule SIMPLE or MUTUAL), made once and kept. */
    public SslContext client(ClientMaterial material, List<String> alpn, List<StringMatch> subjectAltNames) {
        MaterialKey key = new MaterialKey(material, new ClientKey(List.copyOf(alpn), List.copyOf(subjectAltNames)));
        SslContext cached = materialClients.get(key);
        if (cached != null) {
            return cached;
        }
        if (materialClients.size() >= MAX_MATERIAL_CONTEXTS) {
            materialClients.clear();
        }
        return materialClients.computeIfAbsent(key, k -> client(k.material(), k.client()));
    }

    /**
     * Checks user-supplied material as Envoy does when a cluster arrives: PEM that parses, a key matching the
     * certificate. Throws IllegalArgumentException naming the field under {@code where}, a common_tls_context (the
     * cluster is then NACKed).
     */
    public static void check(ClientMaterial material, String where) {
        if (material.hasCertificate()) {
            checkKeyPair(
                    material.certificateChainPem(), material.privateKeyPem(), where + ".tls_certificates[0]", null);
        }
        if (material.trustedCaPem() != null) {
            certificates(material.trustedCaPem(), where + ".validation_context.trusted_ca");
        }
        client(material, new ClientKey(List.of(), List.of()));
    }

    private Instant now() {
        return clock == null ? null : clock.instant();
    }

    private static SslContext server(TlsSecret cert, TlsSecret root) {
        try {
            return KeyMaterial.forServer(
                            cert.certificateChainPem(), cert.privateKeyPem(), "secret default: tls_certificate")
                    .sslProvider(TlsProvider.current())
                    .keyStoreType(TlsProvider.KEY_STORE_TYPE)
                    .trustManager(pem(root.trustedCaPem()))
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "secrets default and ROOTCA: cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static SslContext client(ClientMaterial material, ClientKey key) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(TlsProvider.current())
                    .keyStoreType(TlsProvider.KEY_STORE_TYPE)
                    .trustManager(trustManager(material.trustedCaPem(), key.subjectAltNames()))
                    // The peer is checked by its subject alternative names, not by host name: Istio's SNI is a
                    // cluster key, not a host.
                    .endpointIdentificationAlgorithm(null)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (material.hasCertificate()) {
                KeyMaterial.keyManager(
                        b, material.certificateChainPem(), material.privateKeyPem(), "tls_certificates[0]");
            }
            if (!key.alpn().isEmpty()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        key.alpn()));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot build a client TLS context: " + e.getMessage(), e);
        }
    }

    private static TrustManager trustManager(String caPem, List<StringMatch> subjectAltNames) {
        if (caPem == null) {
            return new SubjectAltNameTrustManager(null, subjectAltNames);
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate ca : certificates(caPem, "trusted_ca")) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager t : f.getTrustManagers()) {
                if (t instanceof X509ExtendedTrustManager x) {
                    return new SubjectAltNameTrustManager(x, subjectAltNames);
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("trusted_ca: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM bundle; at least one, else IllegalArgumentException naming {@code where}. */
    static List<X509Certificate> certificates(String pemText, String where) {
        try {
            List<X509Certificate> out =
                    CertificateFactory.getInstance("X.509").generateCertificates(pem(pemText)).stream()
                            .map(X509Certificate.class::cast)
                            .toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException(where + ": no PEM certificate found");
            }
            return out;
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException(where + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A chain whose leaf the key belongs to and, when {@code now} is given, valid at that instant; else
     * IllegalArgumentException naming {@code where}.
     */
    private static void checkKeyPair(String chainPem, String keyPem, String where, Instant now) {
        X509Certificate leaf =
                certificates(chainPem, where + ".certificate_chain").get(0);
        if (now != null) {
            if (now.isAfter(leaf.getNotAfter().toInstant())) {
                throw new IllegalArgumentException(where + ".certificate_chain: the certificate expired at "
                        + leaf.getNotAfter().toInstant());
            }
            if (now.isBefore(leaf.getNotBefore().toInstant())) {
                throw new IllegalArgumentException(where + ".certificate_chain: the certificate is not valid before "
                        + leaf.getNotBefore().toInstant());
            }
        }
        PrivateKey key = PemKeys.privateKey(keyPem, where + ".private_key");
        if (!PemKeys.matches(key, leaf.getPublicKey())) {
            throw new IllegalArgumentException(
                    where + ".private_key: the private key does not match the certificate's public key");
        }
    }

    static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
