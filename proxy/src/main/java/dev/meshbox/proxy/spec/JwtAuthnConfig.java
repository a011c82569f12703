package dev.meshbox.proxy.spec;

import com.nimbusds.jose.jwk.JWKSet;
import dev.meshbox.proxy.route.FilterConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.jwt_authn}'s config as the proxy keeps it: the providers by name (Istio names them
 * {@code origins-0}, {@code origins-1}, ... after its RequestAuthentication rules sorted by issuer) and the rules
 * saying which requirement applies to which path.
 */
public record JwtAuthnConfig(Map<String, Provider> providers, List<Rule> rules, boolean bypassCorsPreflight)
        implements FilterConfig {

    /**
     * One JWT issuer: where its tokens are, how they are checked, and what a verified token leaves behind.
     *
     * @param jwks the keys, or null when the provider names a remote JWKS this proxy does not fetch (every token of it
     *     then fails with {@code Jwks remote fetch is failed})
     * @param payloadInMetadata the key under which the verified payload goes into the filter's metadata (Istio:
     *     {@code payload}); empty for none
     */
    public record Provider(
            String name,
            String issuer,
            List<String> audiences,
            List<HeaderLocation> fromHeaders,
            List<String> fromParams,
            List<String> fromCookies,
            boolean forward,
            String forwardPayloadHeader,
            String payloadInMetadata,
            List<ClaimToHeader> claimToHeaders,
            Set<String> spaceDelimitedClaims,
            JWKSet jwks,
            Duration clockSkew) {

        /** Envoy's default locations when none is configured: {@code Authorization: Bearer} and {@code access_token}. */
        public boolean defaultLocations() {
            return fromHeaders.isEmpty() && fromParams.isEmpty() && fromCookies.isEmpty();
        }
    }

    /** A header a token is read from; {@code prefix} (such as {@code "Bearer "}) precedes the token, empty for none. */
    public record HeaderLocation(String name, String prefix) {}

    /** Copies a verified token's claim into a request header. */
    public record ClaimToHeader(String header, String claim) {}

    /** The requirement for requests whose path matches; {@code prefix} or {@code path} (exact), one set. */
    public record Rule(String prefix, String path, Requirement requirement) {

        public boolean matches(String requestPath) {
            int q = requestPath.indexOf('?');
            String p = q < 0 ? requestPath : requestPath.substring(0, q);
            return path != null ? p.equals(path) : p.startsWith(prefix);
        }
    }

    /** Envoy's {@code JwtRequirement}: a tree of provider names, ANDs, ORs and the allow-missing leaves. */
    public sealed interface Requirement {}

    public record ProviderName(String name) implements Requirement {}

    public record RequiresAny(List<Requirement> requirements) implements Requirement {}

    public record RequiresAll(List<Requirement> requirements) implements Requirement {}

    /** Satisfied when no token is present; a present token must be valid. */
    public record AllowMissing() implements Requirement {}

    /** Always satisfied; a token that fails is ignored. */
    public record AllowMissingOrFailed() implements Requirement {}
}
