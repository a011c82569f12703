package dev.meshbox.launcher.kube;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
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
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The certificates of istiod's webhooks: a CA made for this mesh (its certificate becomes the webhook
 * configurations' {@code caBundle}, so the API server trusts the webhook) and a serving certificate for the
 * {@code istiod} Service's DNS names, signed by it. ECDSA P-256, valid for a year; nothing is written to disk.
 */
public final class WebhookTls {

    /** PEM texts: the CA certificate, the serving certificate, and its PKCS#8 private key. */
    public record Material(String caPem, String certPem, String keyPem) {}

    private WebhookTls() {}

    /** Makes a CA and a serving certificate for {@code service}.{@code namespace}.svc (and its shorter names). */
    public static Material forService(String service, String namespace) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair caKeys = gen.generateKeyPair();
            KeyPair serverKeys = gen.generateKeyPair();
            Instant now = Instant.now();
            Date from = Date.from(now.minus(Duration.ofMinutes(5)));
            Date to = Date.from(now.plus(Duration.ofDays(365)));
            X500Name ca = new X500Name("O=MeshBox,CN=MeshBox webhook CA");
            JcaX509v3CertificateBuilder caCert =
                    new JcaX509v3CertificateBuilder(ca, serial(), from, to, ca, caKeys.getPublic());
            caCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            caCert.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate caX509 = sign(caCert, caKeys);

            String dns = service + "." + namespace + ".svc";
            List<String> names = List.of(dns, service + "." + namespace, dns + ".cluster.local");
            JcaX509v3CertificateBuilder serverCert = new JcaX509v3CertificateBuilder(
                    caX509, serial(), from, to, new X500Name("O=MeshBox,CN=" + dns), serverKeys.getPublic());
            serverCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            serverCert.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            serverCert.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            serverCert.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(names.stream()
                            .map(n -> new GeneralName(GeneralName.dNSName, n))
                            .toArray(GeneralName[]::new)));
            X509Certificate serverX509 = sign(serverCert, caKeys);
            return new Material(
                    pem(caX509),
                    pem(serverX509),
                    pem(new PemObject("PRIVATE KEY", serverKeys.getPrivate().getEncoded())));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the webhook's certificates: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        X509CertificateHolder holder =
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
