package dev.meshbox.proxy.tls;

/**
 * One SDS secret in MeshBox's terms: a key and certificate chain ({@code tls_certificate}), or a trust anchor
 * ({@code validation_context.trusted_ca}); PEM text, null where the secret has no such part.
 */
public record TlsSecret(String name, String certificateChainPem, String privateKeyPem, String trustedCaPem) {

    public boolean isCertificate() {
        return certificateChainPem != null && privateKeyPem != null;
    }

    public boolean isValidationContext() {
        return trustedCaPem != null;
    }
}
