package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation the proxy's contexts use: BoringSSL through netty-tcnative where its native library loads
 * (faster handshakes, and SNI names with underscores such as Istio's {@code outbound_.9080_._.reviews...}, which the
 * JDK's provider neither sends nor accepts), the JDK's provider otherwise. The system property
 * {@code meshbox.tls.provider} ({@code jdk} or {@code openssl}) forces one, e.g. to compare them in bench/.
 */
public final class TlsProvider {

    public static final String PROPERTY = "meshbox.tls.provider";

    /**
     * The key store Netty puts a context's key into on its way to the key manager: JKS, whose in-memory key
     * protection is a few digests, where the JDK's default PKCS12 encrypts the key and decrypts it again with 10 000
     * PBKDF2 rounds each way (a quarter of a mesh start's CPU, one server and a few client contexts per proxy). The
     * store never leaves memory, so its protection guards nothing.
     */
    public static final String KEY_STORE_TYPE = "JKS";

    private static final Logger LOG = LoggerFactory.getLogger(TlsProvider.class);
    private static final SslProvider CURRENT = choose();

    private TlsProvider() {}

    /** The provider every context of this process uses. */
    public static SslProvider current() {
        return CURRENT;
    }

    /** As the admin {@code /server_info} shows it: {@code BoringSSL (netty-tcnative 2.0.84)} or {@code JDK (...)}. */
    public static String describe() {
        return CURRENT == SslProvider.JDK
                ? "JDK " + System.getProperty("java.version")
                        + (OpenSsl.isAvailable() ? "" : " (OpenSSL unavailable: " + reason() + ")")
                : OpenSsl.versionString() + " via netty-tcnative";
    }

    private static String reason() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return cause == null ? "disabled" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static SslProvider choose() {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        SslProvider chosen;
        if (forced.equals("jdk")) {
            chosen = SslProvider.JDK;
        } else if (OpenSsl.isAvailable()) {
            chosen = SslProvider.OPENSSL;
        } else {
            if (forced.equals("openssl")) {
                LOG.warn("{}=openssl, but OpenSSL does not load ({}); using the JDK's TLS", PROPERTY, reason());
            }
            chosen = SslProvider.JDK;
        }
        LOG.info(
                "TLS provider: {}",
                chosen == SslProvider.JDK
                        ? "JDK " + System.getProperty("java.version")
                        : OpenSsl.versionString() + " via netty-tcnative");
        return chosen;
    }
}
