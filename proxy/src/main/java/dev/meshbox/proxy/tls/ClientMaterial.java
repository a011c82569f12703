package dev.meshbox.proxy.tls;

/**
 * User-supplied upstream TLS material, as a DestinationRule's SIMPLE or MUTUAL mode names it by file and the proxy read
 * it: the client certificate chain and key (MUTUAL; null for SIMPLE) and the CA to trust (null: accept any server
 * certificate, as Envoy does without a validation context). PEM text.
 */
public record ClientMaterial(String certificateChainPem, String privateKeyPem, String trustedCaPem) {

    public boolean hasCertificate() {
        return certificateChainPem != null && privateKeyPem != null;
    }
}
