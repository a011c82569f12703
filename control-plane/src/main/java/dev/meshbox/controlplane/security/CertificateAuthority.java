package dev.meshbox.controlplane.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The mesh's CA: signs workload certificates as istiod does ({@code security/pkg/pki}): an empty subject, the SPIFFE
 * URI as the only, critical, subject alternative name, server and client auth, back-dated by a clock-skew grace and
 * never outliving the signing certificate. Its signing key is a self-signed root of ten years, or the {@code cacerts}
 * files a user plugs in (Istio's plug-in CA: {@code ca-cert.pem}, {@code ca-key.pem}, {@code root-cert.pem},
 * {@code cert-chain.pem}), so several meshes can share one root. Thread-safe: it holds only immutable values.
 */
public final class CertificateAuthority {

    /** {@code CITADEL_SELF_SIGNED_CA_CERT_TTL}. */
    public static final Duration ROOT_TTL = Duration.ofDays(3650);
    /** {@code ClockSkewGracePeriod}: a certificate is valid from a little before it was issued. */
    static final Duration CLOCK_SKEW_GRACE = Duration.ofMinutes(2);

    private static final String ORGANIZATION = "O=cluster.local";

    private final PrivateKey signingKey;
    private final X509Certificate signingCert;
    /** From the signing certificate up to, not including, the root; empty when the root signs. */
    private final List<X509Certificate> intermediates;

    private final X509Certificate root;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(
            PrivateKey signingKey,
            X509Certificate signingCert,
            List<X509Certificate> intermediates,
            X509Certificate root) {
        this.signingKey = signingKey;
        this.signingCert = signingCert;
        this.intermediates = List.copyOf(intermediates);
        this.root = root;
    }

    /** A CA with a fresh self-signed root, valid for {@link #ROOT_TTL} from {@code now}. */
    public static CertificateAuthority selfSigned(Instant now) {
        KeyPair pair = newKeyPair();
        X500Name name = new X500Name(ORGANIZATION);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.valueOf(now.toEpochMilli())
                        .shiftLeft(16)
                        .add(BigInteger.valueOf(new SecureRandom().nextInt(1 << 16))),
                Date.from(now.minus(CLOCK_SKEW_GRACE)),
                Date.from(now.plus(ROOT_TTL)),
                name,
                pair.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        X509Certificate root = sign(b, pair.getPrivate());
        return new CertificateAuthority(pair.getPrivate(), root, List.of(), root);
    }

    /**
     * A CA from Istio's {@code cacerts} files in {@code dir}: {@code ca-cert.pem} and {@code ca-key.pem} sign,
     * {@code root-cert.pem} is the trust anchor, and {@code cert-chain.pem} (if present) is the chain from
     * {@code ca-cert.pem} to the root, served after each workload certificate.
     */
    public static CertificateAuthority fromCacerts(Path dir) {
        String caCert = read(dir.resolve("ca-cert.pem"));
        String caKey = read(dir.resolve("ca-key.pem"));
        String rootCert = read(dir.resolve("root-cert.pem"));
        Path chainFile = dir.resolve("cert-chain.pem");
        X509Certificate signing = Pem.certificates(
                        caCert, chainFile.resolveSibling("ca-cert.pem").toString())
                .get(0);
        PrivateKey key = Pem.privateKey(caKey, dir.resolve("ca-key.pem").toString());
        X509Certificate root = Pem.certificates(
                        rootCert, dir.resolve("root-cert.pem").toString())
                .get(0);
        List<X509Certificate> intermediates = new ArrayList<>();
        if (Files.exists(chainFile)) {
            for (X509Certificate c : Pem.certificates(read(chainFile), chainFile.toString())) {
                if (!c.equals(root)) {
                    intermediates.add(c);
                }
            }
        }
        if (intermediates.isEmpty() && !signing.equals(root)) {
            intermediates.add(signing);
        }
        try {
            signing.verify(signing.equals(root) ? root.getPublicKey() : issuerKey(signing, intermediates, root));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    dir.resolve("ca-cert.pem") + ": not signed by root-cert.pem or cert-chain.pem: " + e.getMessage(),
                    e);
        }
        return new CertificateAuthority(key, signing, intermediates, root);
    }

    private static PublicKey issuerKey(X509Certificate cert, List<X509Certificate> chain, X509Certificate root) {
        for (X509Certificate c : chain) {
            if (!c.equals(cert) && c.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                return c.getPublicKey();
            }
        }
        return root.getPublicKey();
    }

    public X509Certificate root() {
        return root;
    }

    public String rootPem() {
        return Pem.encode(root);
    }

    /**
     * Issues a key and certificate for {@code spiffeId}, valid from {@code now} minus a clock-skew grace (at most a
     * tenth of {@code ttl}, so short test lifetimes rotate on time) for {@code ttl}, clamped to the signer's expiry.
     */
    public WorkloadCertificate issue(String spiffeId, Duration ttl, Instant now) {
        KeyPair pair = newKeyPair();
        Duration skew = ttl.dividedBy(10).compareTo(CLOCK_SKEW_GRACE) < 0 ? ttl.dividedBy(10) : CLOCK_SKEW_GRACE;
        Instant notAfter = now.plus(ttl);
        Instant signerEnd = signingCert.getNotAfter().toInstant();
        if (notAfter.isAfter(signerEnd)) {
            notAfter = signerEnd;
        }
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                signingCert,
                new BigInteger(128, random),
                Date.from(now.minus(skew)),
                Date.from(notAfter),
                new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                pair.getPublic());
        try {
            // SAN is critical because the subject is empty (Istio's san.go).
            b.addExtension(
                    Extension.subjectAlternativeName,
                    true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
            b.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(sign(b, signingKey));
        chain.addAll(intermediates);
        return new WorkloadCertificate(spiffeId, pair.getPrivate(), chain, root);
    }

    /**
     * An intermediate CA for one cluster signed by this CA, as Istio's {@code Makefile.selfsigned.mk} makes
     * {@code <cluster>-cacerts}: its files plugged into another mesh make the two trust each other.
     */
    public WorkloadCertificate issueIntermediate(String cluster, Instant now) {
        KeyPair pair = newKeyPair();
        Instant notAfter = now.plus(Duration.ofDays(730));
        if (notAfter.isAfter(signingCert.getNotAfter().toInstant())) {
            notAfter = signingCert.getNotAfter().toInstant();
        }
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                signingCert,
                new BigInteger(128, random),
                Date.from(now.minus(CLOCK_SKEW_GRACE)),
                Date.from(notAfter),
                new X500Name(ORGANIZATION + ",CN=Intermediate CA,L=" + cluster),
                pair.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(sign(b, signingKey));
        chain.addAll(intermediates);
        return new WorkloadCertificate("cluster/" + cluster, pair.getPrivate(), chain, root);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
        }
    }

    /** EC P-256 keys: cheap to make, and the JDK's TLS speaks them. */
    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
