package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.StringMatch;
import dev.meshbox.proxy.tls.ClientMaterial;
import java.util.List;

/**
 * An {@code UpstreamTlsContext}: the SNI to send, the ALPN to offer, where the client certificate and trust anchor come
 * from, and the server names accepted ({@code match_subject_alt_names}; any when empty). The material comes either
 * from SDS ({@code certificateSecret} and {@code validationSecret}, Istio's {@code default} and {@code ROOTCA}) or from
 * the context itself ({@code material}: files the proxy read, as a DestinationRule's SIMPLE and MUTUAL modes name them).
 */
public record UpstreamTlsSpec(
        String sni,
        List<String> alpn,
        String certificateSecret,
        String validationSecret,
        ClientMaterial material,
        List<StringMatch> subjectAltNames) {

    public UpstreamTlsSpec {
        alpn = List.copyOf(alpn);
        subjectAltNames = List.copyOf(subjectAltNames);
    }

    /** Istio mutual TLS with the SDS secrets, accepting any server the root vouches for. */
    public UpstreamTlsSpec(String sni, List<String> alpn, String certificateSecret, String validationSecret) {
        this(sni, alpn, certificateSecret, validationSecret, null, List.of());
    }

    /** Whether the certificate and trust anchor come from SDS. */
    public boolean usesSds() {
        return material == null;
    }
}
