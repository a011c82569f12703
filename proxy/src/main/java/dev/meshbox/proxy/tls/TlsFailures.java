package dev.meshbox.proxy.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * How Envoy reports an upstream TLS handshake that failed, from the exception Netty's engine raised: a peer that closed
 * the connection mid-handshake is a connection termination (UC); a handshake refused on the bytes the peer sent is a
 * connection failure (UF) with BoringSSL's error as the transport failure reason, e.g.
 * {@code TLS_error:|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end} for a plaintext
 * answer. The JDK's provider words its errors its own way; they are mapped to BoringSSL's reason codes.
 */
public final class TlsFailures {

    /** What a failed upstream handshake looks like in Envoy's terms. */
    public record Failure(boolean terminated, String transportFailureReason) {}

    private static final int SSL_LIB = 16 << 24;
    private static final Pattern OPENSSL =
            Pattern.compile("error:([0-9a-fA-F]{8}):SSL routines:[A-Za-z_]+:([A-Z0-9_]+)");
    /** TLS alert descriptions (as the JDK names them) to BoringSSL's reasons for a received alert. */
    private static final Map<String, Integer> ALERTS = Map.of(
            "handshake_failure", 1040,
            "bad_certificate", 1042,
            "certificate_unknown", 1046,
            "unknown_ca", 1048,
            "access_denied", 1049,
            "protocol_version", 1070,
            "certificate_required", 1116,
            "no_application_protocol", 1120,
            "unsupported_certificate", 1043,
            "decrypt_error", 1051);

    private TlsFailures() {}

    /** The failure for {@code cause}, or null when it is no TLS failure (a TCP connect error, a timeout). */
    public static Failure of(Throwable cause) {
        if (cause == null || cause instanceof SecretsNotReadyException) {
            return null;
        }
        if (cause instanceof NotSslRecordException) {
            return reason(247, "WRONG_VERSION_NUMBER");
        }
        if (cause instanceof ClosedChannelException || cause instanceof SslHandshakeTimeoutException) {
            // A server that never answers the ClientHello (a plaintext one waiting for a request line) is given up on
            // after the handshake timeout and treated as one that hung up: a termination, not retried as a connect
            // failure would be. Envoy counts the handshake in connect_timeout instead.
            return new Failure(true, null);
        }
        if (!(cause instanceof SSLException)) {
            return null;
        }
        String message = String.valueOf(cause.getMessage());
        Matcher openssl = OPENSSL.matcher(message);
        if (openssl.find()) {
            return new Failure(
                    false,
                    "TLS_error:|" + Long.parseLong(openssl.group(1), 16) + ":SSL routines:OPENSSL_internal:"
                            + openssl.group(2) + ":TLS_error_end");
        }
        if (hasCause(cause, CertificateException.class)
                || hasCause(cause, java.security.cert.CertPathValidatorException.class)) {
            return reason(125, "CERTIFICATE_VERIFY_FAILED");
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("unrecognized ssl message") || lower.contains("not an ssl/tls record")) {
            return reason(247, "WRONG_VERSION_NUMBER");
        }
        if (lower.contains("received fatal alert: ")) {
            String alert = lower.substring(lower.indexOf("received fatal alert: ") + 22)
                    .trim();
            Integer code = ALERTS.get(alert);
            return code == null
                    ? reason(1000, "TLSV1_ALERT_" + alert.toUpperCase(Locale.ROOT))
                    : reason(code, alertName(alert));
        }
        if (lower.contains("closed") || lower.contains("terminated the handshake")) {
            return new Failure(true, null);
        }
        return reason(1040, "HANDSHAKE_FAILURE");
    }

    private static String alertName(String alert) {
        String upper = alert.toUpperCase(Locale.ROOT);
        return switch (alert) {
            case "handshake_failure", "bad_certificate", "certificate_unknown", "unsupported_certificate" ->
                "SSLV3_ALERT_" + upper;
            default -> "TLSV1_ALERT_" + upper;
        };
    }

    private static Failure reason(int code, String name) {
        return new Failure(
                false, "TLS_error:|" + (SSL_LIB | code) + ":SSL routines:OPENSSL_internal:" + name + ":TLS_error_end");
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
