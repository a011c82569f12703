package dev.meshbox.proxy.spec;

/** A filter chain's {@code DownstreamTlsContext}: the SDS secrets it serves and whether a client certificate is required. */
public record DownstreamTlsSpec(String certificateSecret, String validationSecret, boolean requireClientCertificate) {}
