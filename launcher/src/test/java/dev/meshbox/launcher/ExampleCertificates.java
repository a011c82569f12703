package dev.meshbox.launcher;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates of Istio's secure ingress task, made in-process as its openssl commands make them: a CA
 * {@code O=example Inc., CN=example.com} and leaves signed by it ({@code httpbin.example.com},
 * {@code helloworld.example.com}, {@code client.example.com}), each with its name as a DNS SAN.
 */
public final class ExampleCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A certificate and its key, PEM. */
    public record Issued(String certPem, String keyPem) {}

    /** A CA that signs leaves. */
    public static final class Authority {
        private final KeyPair pair;
        private final X509Certificate cert;
        private final X500Name name;

        private Authority(String org, String cn) {
            this.pair = keyPair();
            this.name = new X500Name("O=" + org + ",CN=" + cn);
            X509v3CertificateBuilder b = builder(name, name, pair);
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.cert = sign(b, pair.getPrivate());
        }

        public String certPem() {
            return pem(cert);
        }

        /** A leaf for {@code host} ({@code CN=host, O=org}, SAN DNS host), for server and client use. */
        public Issued issue(String host, String org) {
            KeyPair leaf = keyPair();
            X509v3CertificateBuilder b = builder(name, new X500Name("CN=" + host + ",O=" + org), leaf);
            try {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Issued(pem(sign(b, pair.getPrivate())), pem(leaf.getPrivate()));
        }
    }

    private ExampleCertificates() {}

    /** {@code openssl req -x509 ... -subj '/O=example Inc./CN=example.com'}. */
    public static Authority exampleCom() {
        return new Authority("example Inc.", "example.com");
    }

    /** A CA {@code O=org, CN=cn} of the test's own. */
    public static Authority authority(String org, String cn) {
        return new Authority(org, cn);
    }

    /** A {@code kubernetes.io/tls} Secret in {@code namespace}, as {@code kubectl create secret tls} makes it. */
    public static String tlsSecret(String name, String namespace, Issued cert, String caPem) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s, namespace: %s}
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                """.formatted(name, namespace, b64(cert.certPem()), b64(cert.keyPem()))
                + (caPem == null ? "" : "  ca.crt: " + b64(caPem) + "\n");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(365))),
                subject,
                pair.getPublic());
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
