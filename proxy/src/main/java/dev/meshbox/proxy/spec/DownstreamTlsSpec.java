package dev.meshbox.proxy.spec;

import java.util.List;

/**
 * A filter chain's {@code DownstreamTlsContext}: the SDS secrets it serves (the validation secret null when no client
 * certificate is checked), whether a client certificate is required, and the ALPN protocols offered.
 */
public record DownstreamTlsSpec(
        String certificateSecret, String validationSecret, boolean requireClientCertificate, List<String> alpn) {

    public DownstreamTlsSpec {
        alpn = alpn == null ? List.of() : List.copyOf(alpn);
    }

    public DownstreamTlsSpec(String certificateSecret, String validationSecret, boolean requireClientCertificate) {
        this(certificateSecret, validationSecret, requireClientCertificate, List.of());
    }

    /**
     * Whether the chain serves the workload's own certificate ({@code default}, Istio's mTLS) rather than a credential
     * of its own (a gateway's {@code kubernetes://NAME}).
     */
    public boolean usesWorkloadCertificate() {
        return "default".equals(certificateSecret);
    }
}
