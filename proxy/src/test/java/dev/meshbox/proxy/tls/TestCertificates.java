package dev.meshbox.proxy.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA issuing Istio-shaped workload certificates (empty subject, SPIFFE URI SAN) as SDS secrets, and
 * server or client certificates with a DNS or URI SAN as PEM, for user-supplied TLS (DestinationRule SIMPLE/MUTUAL).
 */
public final class TestCertificates {

    /** A certificate and its key, PEM. */
    public record Issued(String certificatePem, String privateKeyPem) {}

    private final KeyPair caKey = keyPair();
    private final X509Certificate root;

    public TestCertificates() throws Exception {
        X500Name name = new X500Name("O=cluster.local");
        var b = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))),
                name,
                caKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        root = sign(b, caKey.getPrivate());
    }

    /** The secrets {@code default} and {@code ROOTCA} of a workload with identity {@code spiffeId}. */
    public java.util.Map<String, TlsSecret> secrets(String spiffeId) throws Exception {
        Issued leaf = issue(spiffeId, Instant.now().plus(Duration.ofHours(1)));
        return java.util.Map.of(
                WorkloadTls.DEFAULT,
                new TlsSecret(WorkloadTls.DEFAULT, leaf.certificatePem(), leaf.privateKeyPem(), null),
                WorkloadTls.ROOTCA,
                new TlsSecret(WorkloadTls.ROOTCA, null, null, rootPem()));
    }

    /** The root certificate, PEM. */
    public String rootPem() throws Exception {
        return pem(root);
    }

    /**
     * A leaf valid for an hour whose SAN is {@code name}: a URI when it has a scheme ({@code spiffe://...}), else a
     * DNS name.
     */
    public Issued issue(String name) throws Exception {
        return issue(name, Instant.now().plus(Duration.ofHours(1)));
    }

    /** A leaf whose SAN is {@code name}, valid until {@code notAfter} (from a minute before now, or before then). */
    public Issued issue(String name, Instant notAfter) throws Exception {
        KeyPair key = keyPair();
        Instant notBefore = Instant.now().minusSeconds(60);
        if (!notBefore.isBefore(notAfter)) {
            notBefore = notAfter.minusSeconds(3600);
        }
        var b = new JcaX509v3CertificateBuilder(
                root,
                BigInteger.valueOf(System.nanoTime()),
                Date.from(notBefore),
                Date.from(notAfter),
                new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                key.getPublic());
        int type = name.contains("://") ? GeneralName.uniformResourceIdentifier : GeneralName.dNSName;
        b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(type, name)));
        return new Issued(pem(sign(b, caKey.getPrivate())), pem(key.getPrivate()));
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        return out.toString();
    }
}
