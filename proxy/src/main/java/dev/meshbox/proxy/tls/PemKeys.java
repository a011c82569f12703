package dev.meshbox.proxy.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** PEM private keys (PKCS#8) and whether one belongs to a certificate's public key. */
final class PemKeys {

    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";
    private static final byte[] PROBE = "meshbox key check".getBytes(StandardCharsets.US_ASCII);

    private PemKeys() {}

    /**
     * The PKCS#8 key in {@code pem}; null for another PEM key type (PKCS#1 RSA or SEC1 EC, which Netty reads itself);
     * IllegalArgumentException naming {@code where} when the text holds no PEM key or an unreadable one.
     */
    static PrivateKey privateKey(String pem, String where) {
        int begin = pem.indexOf(BEGIN);
        if (begin < 0) {
            if (pem.contains("-----BEGIN") && pem.contains("PRIVATE KEY-----")) {
                return null;
            }
            throw new IllegalArgumentException(where + ": no PEM private key found");
        }
        int end = pem.indexOf(END, begin);
        if (end < 0) {
            throw new IllegalArgumentException(where + ": PEM private key without its END line");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": PEM private key is not base64: " + e.getMessage(), e);
        }
        for (String algorithm : List.of("EC", "RSA", "Ed25519", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(where + ": unreadable PKCS#8 private key (not EC, RSA or Ed25519)");
    }

    /** Whether {@code key} signs what {@code certificateKey} verifies; true when the key could not be read here. */
    static boolean matches(PrivateKey key, PublicKey certificateKey) {
        if (key == null) {
            return true;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())
                && !("EdDSA".equals(certificateKey.getAlgorithm())
                        || "Ed25519".equals(certificateKey.getAlgorithm()))) {
            return false;
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
