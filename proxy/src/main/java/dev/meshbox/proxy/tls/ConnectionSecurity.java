package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.SslHandler;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a downstream connection knows of its peer: whether it was mutual TLS and, if so, the peer's identity (its
 * certificate's URI SAN, Istio's {@code source.principal} with the {@code spiffe://} prefix), the SHA-256 of its
 * certificate, this proxy's own identity and the SNI the client asked for. Plaintext connections have none of these.
 *
 * @param mutualTls whether the connection was mutual TLS (Istio's {@code connection_security_policy="mutual_tls"})
 * @param peerPrincipal the peer certificate's URI SAN ({@code spiffe://cluster.local/ns/foo/sa/sleep}), or null
 * @param peerCertificateHash the hex SHA-256 of the peer certificate's DER, or null
 * @param localPrincipal this proxy's own URI SAN (XFCC's {@code By}), or null
 * @param requestedServerName the SNI of the ClientHello (Envoy's {@code %REQUESTED_SERVER_NAME%}), or null
 */
public record ConnectionSecurity(
        boolean mutualTls,
        String peerPrincipal,
        String peerCertificateHash,
        String localPrincipal,
        String requestedServerName) {

    public static final ConnectionSecurity PLAINTEXT = new ConnectionSecurity(false, null, null, null, null);

    /** Istio's {@code source.principal}: the peer identity without {@code spiffe://}, or null. */
    public String sourcePrincipal() {
        return peerPrincipal == null ? null : peerPrincipal.replaceFirst("^spiffe://", "");
    }

    /** Istio's {@code connection_security_policy} metric label. */
    public String securityPolicy() {
        return mutualTls ? "mutual_tls" : "none";
    }

    /** The element Envoy appends to {@code x-forwarded-client-cert}: By, Hash, Subject, URI, as Istio configures it. */
    public String xfccElement() {
        return "By=" + localPrincipal + ";Hash=" + peerCertificateHash + ";Subject=\"\";URI=" + peerPrincipal;
    }

    /** The security of a connection whose TLS handshake {@code ssl} completed. */
    public static ConnectionSecurity of(SslHandler ssl) {
        SSLSession session = ssl.engine().getSession();
        X509Certificate peer;
        try {
            Certificate[] chain = session.getPeerCertificates();
            peer = chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            peer = null;
        }
        Certificate[] local = session.getLocalCertificates();
        String localUri = local != null && local.length > 0 && local[0] instanceof X509Certificate x ? uriSan(x) : null;
        String sni = Sni.requested(ssl.engine());
        if (peer == null) {
            return new ConnectionSecurity(false, null, null, localUri, sni);
        }
        return new ConnectionSecurity(true, uriSan(peer), sha256(peer), localUri, sni);
    }

    /** The certificate's first URI subject alternative name (type 6), or null. */
    public static String uriSan(X509Certificate cert) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (Integer.valueOf(6).equals(n.get(0))) {
                        return (String) n.get(1);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return null;
    }

    static String sha256(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
