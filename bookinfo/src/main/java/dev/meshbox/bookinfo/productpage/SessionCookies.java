package dev.meshbox.bookinfo.productpage;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks productpage's session cookie: {@code base64url(user) "." base64url(HMAC-SHA256)}.
 * The signature is what keeps a user from becoming "jason" by editing a cookie; the password is never
 * checked, as in Istio's sample.
 */
public final class SessionCookies {
    public static final String COOKIE = "session";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAX_USER_LENGTH = 64;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    public SessionCookies(byte[] key) {
        if (key.length < 16) {
            throw new IllegalArgumentException("session key: must be at least 16 bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * One key per process, so that every productpage replica in this JVM accepts the others' cookies
     * (a user load-balanced between two pods stays logged in) while a restart logs everybody out.
     */
    public static SessionCookies processWide() {
        return ProcessKey.COOKIES;
    }

    private static final class ProcessKey {
        private static final SessionCookies COOKIES = new SessionCookies(randomKey());

        private static byte[] randomKey() {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return key;
        }
    }

    /**
     * The user name as productpage accepts it: trimmed, 1 to 64 printable ASCII characters. It travels in
     * the {@code end-user} header, so nothing that could break a header line gets in.
     */
    public static Optional<String> validUser(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String user = raw.trim();
        boolean printable = user.chars().allMatch(c -> c >= ' ' && c < 127);
        return user.isEmpty() || user.length() > MAX_USER_LENGTH || !printable ? Optional.empty() : Optional.of(user);
    }

    /** The cookie value for a valid user name. */
    public String issue(String user) {
        String valid = validUser(user)
                .orElseThrow(() -> new IllegalArgumentException(
                        "user: must be 1-" + MAX_USER_LENGTH + " printable ASCII characters"));
        String payload = ENCODER.encodeToString(valid.getBytes(StandardCharsets.UTF_8));
        return payload + "." + ENCODER.encodeToString(sign(payload));
    }

    /** The user a cookie value names, or empty when it is missing, malformed or not signed with our key. */
    public Optional<String> user(String cookieValue) {
        if (cookieValue == null) {
            return Optional.empty();
        }
        int dot = cookieValue.indexOf('.');
        if (dot <= 0 || dot != cookieValue.lastIndexOf('.')) {
            return Optional.empty();
        }
        String payload = cookieValue.substring(0, dot);
        try {
            byte[] presented = DECODER.decode(cookieValue.substring(dot + 1));
            if (!MessageDigest.isEqual(presented, sign(payload))) {
                return Optional.empty();
            }
            return validUser(new String(DECODER.decode(payload), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException malformedBase64) {
            return Optional.empty();
        }
    }

    private byte[] sign(String payload) {
        try {
            // Mac instances are not thread-safe; one per call is cheap next to a network round trip.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is required by every Java runtime", e);
        }
    }
}
