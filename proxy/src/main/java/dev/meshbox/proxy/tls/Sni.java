package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;

/**
 * The TLS server name as Envoy sends and reads it: any dotted name, including Istio's
 * {@code outbound_.9080_._.reviews.default.svc.cluster.local}, whose underscores Java's {@link SNIHostName} (and so
 * Netty's engine setup) refuses. Through OpenSSL the name is set and read on the native session directly; the JDK's
 * provider can carry only valid host names.
 */
public final class Sni {

    private Sni() {}

    /** Sets {@code name} as the SNI of a client engine whose handshake has not started; false if it cannot go out. */
    public static boolean send(SSLEngine engine, String name) {
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            synchronized (openssl) {
                SSL.setTlsExtHostName(openssl.sslPointer(), name);
            }
            return true;
        }
        try {
            new SNIHostName(name);
            return true; // the JDK engine sends its peer host when it is a valid host name
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The SNI a server engine received, or null. */
    public static String requested(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            synchronized (openssl) {
                return openssl.sslPointer() == 0 ? null : SSL.getSniHostname(openssl.sslPointer());
            }
        }
        String sni = null;
        if (engine.getSession() instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                sni = name instanceof SNIHostName host
                        ? host.getAsciiName()
                        : new String(name.getEncoded(), StandardCharsets.US_ASCII);
            }
        }
        return sni;
    }
}
