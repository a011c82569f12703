package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.spec.JwtAuthnConfig;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two halves of Envoy's jwt_authn verifier tree: finding and verifying each provider's tokens
 * ({@link #verifyProvider}), and deciding a {@code JwtRequirement} from those outcomes ({@link #evaluate}).
 */
final class JwtRequirements {

    /**
     * One provider's outcome for a request: {@link JwtStatus#MISSING} when none of its locations holds a token, else
     * the first failure among its tokens or OK when all verified.
     *
     * @param headersWithTokens the headers its tokens came from, removed after success unless it forwards them
     */
    record Verified(
            JwtAuthnConfig.Provider provider,
            JwtStatus status,
            List<JwtVerifier.Result> results,
            Set<String> headersWithTokens) {}

    private static final String DEFAULT_HEADER = "authorization";
    private static final String DEFAULT_PREFIX = "Bearer ";
    private static final String DEFAULT_PARAM = "access_token";

    private JwtRequirements() {}

    static Verified verifyProvider(JwtAuthnConfig.Provider p, FullHttpRequest request, Instant now) {
        Set<String> tokens = new LinkedHashSet<>();
        Set<String> headers = new LinkedHashSet<>();
        List<JwtAuthnConfig.HeaderLocation> headerLocations = p.defaultLocations()
                ? List.of(new JwtAuthnConfig.HeaderLocation(DEFAULT_HEADER, DEFAULT_PREFIX))
                : p.fromHeaders();
        for (JwtAuthnConfig.HeaderLocation h : headerLocations) {
            String value = request.headers().get(h.name());
            String token = value == null ? null : fromHeader(value, h.prefix());
            if (token != null) {
                tokens.add(token);
                headers.add(h.name());
            }
        }
        List<String> params = p.defaultLocations() ? List.of(DEFAULT_PARAM) : p.fromParams();
        if (!params.isEmpty()) {
            Map<String, List<String>> query = new QueryStringDecoder(request.uri()).parameters();
            for (String param : params) {
                List<String> values = query.get(param);
                if (values != null && !values.isEmpty() && !values.get(0).isEmpty()) {
                    tokens.add(values.get(0));
                }
            }
        }
        if (!p.fromCookies().isEmpty()) {
            String cookieHeader = request.headers().get(HttpHeaderNames.COOKIE);
            if (cookieHeader != null) {
                for (Cookie c : ServerCookieDecoder.LAX.decode(cookieHeader)) {
                    if (p.fromCookies().contains(c.name()) && !c.value().isEmpty()) {
                        tokens.add(c.value());
                    }
                }
            }
        }
        if (tokens.isEmpty()) {
            return new Verified(p, JwtStatus.MISSING, List.of(), Set.of());
        }
        List<JwtVerifier.Result> results = new ArrayList<>();
        for (String token : tokens) {
            JwtVerifier.Result r = JwtVerifier.verify(p, token, now);
            if (!r.ok()) {
                return new Verified(p, r.status(), List.of(), Set.of());
            }
            results.add(r);
        }
        return new Verified(p, JwtStatus.OK, List.copyOf(results), Set.copyOf(headers));
    }

    /** The token after {@code prefix} in a header value, up to a comma or space; null when the prefix is absent. */
    static String fromHeader(String value, String prefix) {
        String rest;
        if (prefix.isEmpty()) {
            rest = value.trim();
        } else {
            int at = value.indexOf(prefix);
            if (at < 0) {
                return null;
            }
            rest = value.substring(at + prefix.length());
        }
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != ',' && rest.charAt(end) != ' ') {
            end++;
        }
        String token = rest.substring(0, end);
        return token.isEmpty() ? null : token;
    }

    /**
     * Whether a requirement holds: a provider by its own outcome; ANY when one child holds (else the most telling
     * failure: one of a present token before a missing one); ALL when every child holds (else the first failure);
     * allow_missing when no provider found a token, or when the tokens found verified (a token another provider
     * verified does not count against one that does not know its issuer); allow_missing_or_failed always.
     */
    static JwtStatus evaluate(JwtAuthnConfig.Requirement requirement, Map<String, Verified> outcomes) {
        if (requirement instanceof JwtAuthnConfig.ProviderName n) {
            return outcomes.get(n.name()).status();
        }
        if (requirement instanceof JwtAuthnConfig.RequiresAny any) {
            JwtStatus failure = JwtStatus.MISSING;
            for (JwtAuthnConfig.Requirement r : any.requirements()) {
                JwtStatus s = evaluate(r, outcomes);
                if (s == JwtStatus.OK) {
                    return JwtStatus.OK;
                }
                if (failure == JwtStatus.MISSING) {
                    failure = s;
                }
            }
            return failure;
        }
        if (requirement instanceof JwtAuthnConfig.RequiresAll all) {
            for (JwtAuthnConfig.Requirement r : all.requirements()) {
                JwtStatus s = evaluate(r, outcomes);
                if (s != JwtStatus.OK) {
                    return s;
                }
            }
            return JwtStatus.OK;
        }
        if (requirement instanceof JwtAuthnConfig.AllowMissing) {
            return allowMissing(outcomes);
        }
        return JwtStatus.OK; // allow_missing_or_failed
    }

    private static JwtStatus allowMissing(Map<String, Verified> outcomes) {
        boolean someVerified = outcomes.values().stream().anyMatch(v -> v.status() == JwtStatus.OK);
        for (Verified v : outcomes.values()) {
            JwtStatus s = v.status();
            if (s == JwtStatus.OK || s == JwtStatus.MISSING || s == JwtStatus.UNKNOWN_ISSUER && someVerified) {
                continue;
            }
            return s;
        }
        return JwtStatus.OK;
    }
}
