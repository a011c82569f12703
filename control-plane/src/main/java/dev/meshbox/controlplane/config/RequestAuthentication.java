package dev.meshbox.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * security.istio.io RequestAuthentication, validated: which JWTs the selected workloads accept. In the root namespace
 * ({@code istio-system}) without a selector it applies mesh-wide; elsewhere to its namespace, narrowed by
 * {@code selector.matchLabels} or, for gateways, by {@code targetRef(s)}.
 */
public record RequestAuthentication(
        ResourceMeta meta,
        String yaml,
        Map<String, String> selector,
        List<TargetRef> targetRefs,
        List<JwtRule> jwtRules)
        implements IstioResource {

    /** Istio's root namespace: a policy here without a selector is mesh-wide. */
    public static final String ROOT_NAMESPACE = "istio-system";

    /** A policy target: a Gateway API {@code Gateway} (or a Service, which only waypoints honour). */
    public record TargetRef(String group, String kind, String name) {}

    /**
     * One JWT issuer the workloads accept.
     *
     * @param jwks the inline JWKS, empty when not given
     * @param jwksUri where istiod fetches the JWKS, empty when not given (ignored when {@code jwks} is set)
     * @param timeout the JWKS fetch timeout, null for Istio's 5 s
     */
    public record JwtRule(
            String issuer,
            List<String> audiences,
            String jwksUri,
            String jwks,
            List<HeaderLocation> fromHeaders,
            List<String> fromParams,
            List<String> fromCookies,
            String outputPayloadToHeader,
            List<ClaimToHeader> outputClaimToHeaders,
            boolean forwardOriginalToken,
            List<String> spaceDelimitedClaims,
            Duration timeout) {}

    /** A header a token is read from, after {@code prefix} (such as {@code "Bearer "}). */
    public record HeaderLocation(String name, String prefix) {}

    /** Copies a verified token's claim into a request header. */
    public record ClaimToHeader(String header, String claim) {}
}
