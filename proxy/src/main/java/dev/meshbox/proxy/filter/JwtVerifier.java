package dev.meshbox.proxy.filter;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.meshbox.proxy.spec.JwtAuthnConfig;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies one token for one provider, in jwt_verify_lib's order as Envoy's authenticator runs it: the form
 * (three base64url sections, JSON header with {@code alg}, JSON payload), the issuer, the time window ({@code exp},
 * {@code nbf}, with the provider's clock skew), the audiences, then the signature against the provider's JWKS. A pure
 * function of (provider, token, now): the caller passes the request's arrival time from the proxy's clock.
 */
public final class JwtVerifier {

    /** RS*, PS* for RSA keys, ES* for EC keys, HS* for octet keys; EdDSA for OKP. */
    private static final Set<String> SUPPORTED_ALGS = Set.of(
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512",
            "EdDSA");

    private static final DefaultJWSVerifierFactory VERIFIERS = new DefaultJWSVerifierFactory();

    /**
     * What verifying a token gave.
     *
     * @param payload the payload as JSON values, normalised as the provider asks; null unless {@link JwtStatus#OK}
     * @param payloadBase64 the payload section as sent, for {@code forward_payload_header}
     */
    public record Result(JwtStatus status, Map<String, Object> payload, String payloadBase64) {

        static Result failed(JwtStatus status) {
            return new Result(status, null, null);
        }

        public boolean ok() {
            return status == JwtStatus.OK;
        }
    }

    private JwtVerifier() {}

    public static Result verify(JwtAuthnConfig.Provider provider, String token, Instant now) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Result.failed(JwtStatus.BAD_FORMAT);
        }
        Map<String, Object> header;
        Map<String, Object> payload;
        byte[] headerBytes = decode(parts[0]);
        if (headerBytes == null) {
            return Result.failed(JwtStatus.HEADER_BAD_BASE64);
        }
        header = json(headerBytes);
        if (header == null) {
            return Result.failed(JwtStatus.HEADER_BAD_JSON);
        }
        if (!(header.get("alg") instanceof String alg)) {
            return Result.failed(JwtStatus.HEADER_BAD_ALG);
        }
        if (!SUPPORTED_ALGS.contains(alg)) {
            return Result.failed(JwtStatus.HEADER_ALG_NOT_IMPLEMENTED);
        }
        if (header.containsKey("kid") && !(header.get("kid") instanceof String)) {
            return Result.failed(JwtStatus.HEADER_BAD_KID);
        }
        byte[] payloadBytes = decode(parts[1]);
        if (payloadBytes == null) {
            return Result.failed(JwtStatus.PAYLOAD_BAD_BASE64);
        }
        payload = json(payloadBytes);
        if (payload == null) {
            return Result.failed(JwtStatus.PAYLOAD_BAD_JSON);
        }
        JwtStatus claims = claimTypes(payload);
        if (claims != JwtStatus.OK) {
            return Result.failed(claims);
        }
        if (decode(parts[2]) == null) {
            return Result.failed(JwtStatus.SIGNATURE_BAD_BASE64);
        }
        String iss = (String) payload.getOrDefault("iss", "");
        if (!provider.issuer().isEmpty() && !provider.issuer().equals(iss)) {
            return Result.failed(JwtStatus.UNKNOWN_ISSUER);
        }
        long nowSeconds = now.getEpochSecond();
        long skew = provider.clockSkew().toSeconds();
        if (payload.get("nbf") instanceof Number nbf && nowSeconds + skew < nbf.longValue()) {
            return Result.failed(JwtStatus.NOT_YET_VALID);
        }
        if (payload.get("exp") instanceof Number exp && exp.longValue() > 0 && nowSeconds - skew > exp.longValue()) {
            return Result.failed(JwtStatus.EXPIRED);
        }
        if (!audienceAllowed(provider.audiences(), payload.get("aud"))) {
            return Result.failed(JwtStatus.AUDIENCE_NOT_ALLOWED);
        }
        JwtStatus signature = signature(provider, token, alg, (String) header.get("kid"));
        if (signature != JwtStatus.OK) {
            return Result.failed(signature);
        }
        return new Result(JwtStatus.OK, normalise(payload, provider.spaceDelimitedClaims()), parts[1]);
    }

    private static JwtStatus claimTypes(Map<String, Object> payload) {
        if (payload.containsKey("iss") && !(payload.get("iss") instanceof String)) {
            return JwtStatus.ISS_NOT_STRING;
        }
        if (payload.containsKey("sub") && !(payload.get("sub") instanceof String)) {
            return JwtStatus.SUB_NOT_STRING;
        }
        if (payload.containsKey("nbf") && !isInteger(payload.get("nbf"))) {
            return JwtStatus.NBF_NOT_INTEGER;
        }
        if (payload.containsKey("exp") && !isInteger(payload.get("exp"))) {
            return JwtStatus.EXP_NOT_INTEGER;
        }
        Object aud = payload.get("aud");
        if (aud != null
                && !(aud instanceof String)
                && !(aud instanceof List<?> l && l.stream().allMatch(a -> a instanceof String))) {
            return JwtStatus.AUD_NOT_STRING;
        }
        return JwtStatus.OK;
    }

    private static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Double d && d == Math.rint(d);
    }

    /** As Envoy's {@code CheckAudience}: no audiences configured allows any; schemes and a trailing slash ignored. */
    static boolean audienceAllowed(List<String> allowed, Object aud) {
        if (allowed.isEmpty()) {
            return true;
        }
        List<String> tokenAudiences = new ArrayList<>();
        if (aud instanceof String s) {
            tokenAudiences.add(s);
        } else if (aud instanceof List<?> l) {
            l.forEach(a -> tokenAudiences.add((String) a));
        }
        Set<String> normalised =
                Set.copyOf(allowed.stream().map(JwtVerifier::sanitize).toList());
        return tokenAudiences.stream().map(JwtVerifier::sanitize).anyMatch(normalised::contains);
    }

    private static String sanitize(String audience) {
        String a = audience;
        if (a.startsWith("http://")) {
            a = a.substring(7);
        } else if (a.startsWith("https://")) {
            a = a.substring(8);
        }
        return a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
    }

    private static JwtStatus signature(JwtAuthnConfig.Provider provider, String token, String alg, String kid) {
        if (provider.jwks() == null) {
            return JwtStatus.JWKS_FETCH_FAIL;
        }
        List<JWK> keys = provider.jwks().getKeys();
        if (keys.isEmpty()) {
            return JwtStatus.JWKS_NO_VALID_KEYS;
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return JwtStatus.BAD_FORMAT;
        }
        boolean matched = false;
        for (JWK key : keys) {
            if (kid != null && key.getKeyID() != null && !kid.equals(key.getKeyID())) {
                continue;
            }
            if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg)) {
                continue;
            }
            if (!keyTypeFits(key.getKeyType(), alg)) {
                continue;
            }
            matched = true;
            if (verifies(jwt, key)) {
                return JwtStatus.OK;
            }
        }
        return matched ? JwtStatus.VERIFICATION_FAIL : JwtStatus.JWKS_KID_ALG_MISMATCH;
    }

    private static boolean keyTypeFits(KeyType type, String alg) {
        if (KeyType.RSA.equals(type)) {
            return alg.startsWith("RS") || alg.startsWith("PS");
        }
        if (KeyType.EC.equals(type)) {
            return alg.startsWith("ES");
        }
        if (KeyType.OCT.equals(type)) {
            return alg.startsWith("HS");
        }
        return KeyType.OKP.equals(type) && alg.equals("EdDSA");
    }

    private static boolean verifies(SignedJWT jwt, JWK key) {
        try {
            Key k = switch (key.getKeyType().getValue()) {
                case "RSA" -> key.toRSAKey().toRSAPublicKey();
                case "EC" -> key.toECKey().toECPublicKey();
                case "oct" -> key.toOctetSequenceKey().toSecretKey();
                default -> null;
            };
            if (k == null) {
                return false;
            }
            JWSVerifier verifier = VERIFIERS.createJWSVerifier(jwt.getHeader(), k);
            return jwt.verify(verifier);
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] decode(String section) {
        try {
            return Base64.getUrlDecoder().decode(stripPadding(section));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String stripPadding(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        return s.substring(0, end);
    }

    private static Map<String, Object> json(byte[] bytes) {
        try {
            return JSONObjectUtils.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    /** Istio's {@code normalize_payload_in_metadata}: the named string claims become lists of their words. */
    private static Map<String, Object> normalise(Map<String, Object> payload, Set<String> spaceDelimited) {
        if (spaceDelimited.isEmpty()) {
            return payload;
        }
        Map<String, Object> out = new LinkedHashMap<>(payload);
        for (String claim : spaceDelimited) {
            if (out.get(claim) instanceof String s) {
                out.put(claim, List.of(s.trim().split("\\s+")));
            }
        }
        return out;
    }
}
