package dev.meshbox.proxy.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The system's CAs where the OS bundle is missing: the control plane names {@link #OS_BUNDLE} for a DestinationRule
 * SIMPLE or MUTUAL without {@code caCertificates} (as Istio trusts the system roots by default), and a proxy in a
 * minimal image (MeshBox's Docker image has no {@code /etc/ssl}) answers with the JDK's own trust anchors instead of
 * refusing the cluster.
 */
public final class SystemTrust {

    /** Where Debian-based images keep the system CA bundle; the path the control plane writes. */
    public static final String OS_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

    private SystemTrust() {}

    /** The JDK's default trust anchors (its {@code cacerts}) as one PEM bundle. */
    public static String jdkAnchorsPem() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            StringBuilder out = new StringBuilder();
            Base64.Encoder b64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
            for (TrustManager t : f.getTrustManagers()) {
                if (t instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        out.append("-----BEGIN CERTIFICATE-----\n")
                                .append(b64.encodeToString(c.getEncoded()))
                                .append("\n-----END CERTIFICATE-----\n");
                    }
                }
            }
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's trust anchors: " + e.getMessage(), e);
        }
    }
}
