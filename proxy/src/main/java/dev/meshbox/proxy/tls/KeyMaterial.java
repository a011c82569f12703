package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.SslContextBuilder;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * A certificate chain and its key handed to Netty as parsed objects: a PKCS#8 key (what SDS delivers) is read here
 * with the JDK's KeyFactory, sparing Netty's own PEM key reader (BouncyCastle when on the class path, whose start and
 * parsing are a visible part of a mesh start); other PEM key types (PKCS#1 RSA, SEC1 EC) still go to Netty as text.
 */
final class KeyMaterial {

    private KeyMaterial() {}

    /** A server context builder with this chain and key; IllegalArgumentException for unreadable PEM. */
    static SslContextBuilder forServer(String chainPem, String keyPem, String where) {
        PrivateKey key = PemKeys.privateKey(keyPem, where + ".private_key");
        if (key == null) {
            return SslContextBuilder.forServer(WorkloadTls.pem(chainPem), WorkloadTls.pem(keyPem));
        }
        return SslContextBuilder.forServer(key, chain(chainPem, where));
    }

    /** {@code builder} (a client's) presenting this chain and key; IllegalArgumentException for unreadable PEM. */
    static SslContextBuilder keyManager(SslContextBuilder builder, String chainPem, String keyPem, String where) {
        PrivateKey key = PemKeys.privateKey(keyPem, where + ".private_key");
        if (key == null) {
            return builder.keyManager(WorkloadTls.pem(chainPem), WorkloadTls.pem(keyPem));
        }
        return builder.keyManager(key, chain(chainPem, where));
    }

    private static X509Certificate[] chain(String chainPem, String where) {
        return WorkloadTls.certificates(chainPem, where + ".certificate_chain").toArray(X509Certificate[]::new);
    }
}
