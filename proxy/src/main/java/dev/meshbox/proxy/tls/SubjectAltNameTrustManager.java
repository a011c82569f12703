package dev.meshbox.proxy.tls;

import dev.meshbox.proxy.route.StringMatch;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Envoy's upstream certificate validation: the chain against the trusted CA (when the context has one; without a
 * validation context Envoy accepts any certificate), then the leaf's URI and DNS subject alternative names against
 * {@code match_subject_alt_names} (any one matching suffices). A refusal fails the handshake, which Envoy reports as
 * {@code CERTIFICATE_VERIFY_FAILED}.
 */
final class SubjectAltNameTrustManager extends X509ExtendedTrustManager {

    private static final int DNS = 2;
    private static final int URI = 6;

    private final X509ExtendedTrustManager chain;
    private final List<StringMatch> subjectAltNames;

    /** @param chain the CA check, or null to accept any chain (no validation context) */
    SubjectAltNameTrustManager(X509ExtendedTrustManager chain, List<StringMatch> subjectAltNames) {
        this.chain = chain;
        this.subjectAltNames = List.copyOf(subjectAltNames);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
            throws CertificateException {
        if (chain != null) {
            chain.checkServerTrusted(certs, authType, engine);
        }
        checkNames(certs);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
            throws CertificateException {
        if (chain != null) {
            chain.checkServerTrusted(certs, authType, socket);
        }
        checkNames(certs);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
        if (chain != null) {
            chain.checkServerTrusted(certs, authType);
        }
        checkNames(certs);
    }

    private void checkNames(X509Certificate[] certs) throws CertificateException {
        if (subjectAltNames.isEmpty()) {
            return;
        }
        List<String> names = names(certs[0]);
        for (String name : names) {
            for (StringMatch m : subjectAltNames) {
                if (m.matches(name)) {
                    return;
                }
            }
        }
        throw new CertificateException("subject alternative names " + names + " match none of " + subjectAltNames);
    }

    /** The URI and DNS subject alternative names of a certificate. */
    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == URI || type == DNS) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        return out;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket) {
        throw new UnsupportedOperationException("an upstream context checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine) {
        throw new UnsupportedOperationException("an upstream context checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType) {
        throw new UnsupportedOperationException("an upstream context checks servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chain == null ? new X509Certificate[0] : chain.getAcceptedIssuers();
    }
}
