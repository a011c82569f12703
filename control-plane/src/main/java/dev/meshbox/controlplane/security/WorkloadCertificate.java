package dev.meshbox.controlplane.security;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A key and certificate issued to one identity.
 *
 * @param chain the leaf first, then the intermediates up to (not including) the root, as Envoy's
 *     {@code certificate_chain} holds them
 * @param root the trust anchor every proxy validates peers against ({@code ROOTCA})
 */
public record WorkloadCertificate(String identity, PrivateKey key, List<X509Certificate> chain, X509Certificate root) {

    /** Istio's agent's default grace ratio: a certificate is replaced once half its lifetime has passed. */
    public static final double GRACE_RATIO = 0.5;

    public WorkloadCertificate {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** When it should be replaced: at half its lifetime. */
    public Instant rotateAt() {
        Duration life = Duration.between(notBefore(), notAfter());
        return notBefore().plusMillis((long) (life.toMillis() * GRACE_RATIO));
    }

    public String certificateChainPem() {
        StringBuilder out = new StringBuilder();
        chain.forEach(c -> out.append(Pem.encode(c)));
        return out.toString();
    }

    public String privateKeyPem() {
        return Pem.encode(key);
    }

    public String rootPem() {
        return Pem.encode(root);
    }
}
