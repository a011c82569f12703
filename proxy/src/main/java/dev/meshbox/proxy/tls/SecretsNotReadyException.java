package dev.meshbox.proxy.tls;

import javax.net.ssl.SSLException;

/**
 * An upstream connection refused before it was made because SDS has not delivered the certificate its TLS needs: a
 * plain connect failure (503 UF), not a handshake failure (see {@link TlsFailures}).
 */
public final class SecretsNotReadyException extends SSLException {

    private static final long serialVersionUID = 1L;

    public SecretsNotReadyException(String message) {
        super(message);
    }
}
