package dev.meshbox.proxy.spec;

import java.util.List;

/**
 * An {@code UpstreamTlsContext}: the SNI to send, the ALPN to offer, and the SDS secrets holding the client
 * certificate and the trust anchor.
 */
public record UpstreamTlsSpec(String sni, List<String> alpn, String certificateSecret, String validationSecret) {

    public UpstreamTlsSpec {
        alpn = List.copyOf(alpn);
    }
}
