package dev.meshbox.proxy.route;

import java.util.List;

/**
 * A compiled {@code envoy.extensions.filters.http.cors.v3.CorsPolicy}, the per-route config of the CORS filter. A
 * field left unset (null, or an empty list or string) falls back to the next less specific policy (the virtual
 * host's), as Envoy's filter reads each field from the most specific policy that sets it.
 *
 * @param filterEnabledPerMillion share of requests the policy is enforced for ({@code filter_enabled}; all when unset)
 * @param shadowEnabledPerMillion share evaluated without effect ({@code shadow_enabled}; none when unset)
 */
public record CorsPolicy(
        List<StringMatch> allowOrigins,
        String allowMethods,
        String allowHeaders,
        String exposeHeaders,
        String maxAge,
        Boolean allowCredentials,
        Boolean allowPrivateNetworkAccess,
        Boolean forwardNotMatchingPreflights,
        Integer filterEnabledPerMillion,
        Integer shadowEnabledPerMillion)
        implements FilterConfig {

    public CorsPolicy {
        allowOrigins = allowOrigins == null ? List.of() : List.copyOf(allowOrigins);
        allowMethods = allowMethods == null ? "" : allowMethods;
        allowHeaders = allowHeaders == null ? "" : allowHeaders;
        exposeHeaders = exposeHeaders == null ? "" : exposeHeaders;
        maxAge = maxAge == null ? "" : maxAge;
    }

    /** This policy's fields, each taken from {@code lessSpecific} where this one leaves it unset. */
    @Override
    public FilterConfig mergedOver(FilterConfig lessSpecific) {
        if (!(lessSpecific instanceof CorsPolicy other)) {
            return this;
        }
        return new CorsPolicy(
                allowOrigins.isEmpty() ? other.allowOrigins : allowOrigins,
                allowMethods.isEmpty() ? other.allowMethods : allowMethods,
                allowHeaders.isEmpty() ? other.allowHeaders : allowHeaders,
                exposeHeaders.isEmpty() ? other.exposeHeaders : exposeHeaders,
                maxAge.isEmpty() ? other.maxAge : maxAge,
                allowCredentials != null ? allowCredentials : other.allowCredentials,
                allowPrivateNetworkAccess != null ? allowPrivateNetworkAccess : other.allowPrivateNetworkAccess,
                forwardNotMatchingPreflights != null
                        ? forwardNotMatchingPreflights
                        : other.forwardNotMatchingPreflights,
                // Envoy reads both switches from the most specific policy only.
                filterEnabledPerMillion,
                shadowEnabledPerMillion);
    }

    /** Whether {@code origin} may make cross-origin requests; a matcher that accepts "*" accepts every origin. */
    public boolean allowsOrigin(String origin) {
        for (StringMatch m : allowOrigins) {
            if (m.matches("*") || m.matches(origin)) {
                return true;
            }
        }
        return false;
    }

    public int enabledPerMillion() {
        return filterEnabledPerMillion == null ? FaultPolicy.MILLION : filterEnabledPerMillion;
    }

    public int shadowPerMillion() {
        return shadowEnabledPerMillion == null ? 0 : shadowEnabledPerMillion;
    }

    public boolean credentialsAllowed() {
        return Boolean.TRUE.equals(allowCredentials);
    }

    public boolean privateNetworkAccessAllowed() {
        return Boolean.TRUE.equals(allowPrivateNetworkAccess);
    }

    /** Envoy's default is to forward a preflight whose origin is not allowed to the upstream. */
    public boolean forwardsNotMatchingPreflights() {
        return forwardNotMatchingPreflights == null || forwardNotMatchingPreflights;
    }
}
