package dev.meshbox.proxy.filter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code envoy.filters.http.jwt_authn} leaves for later filters of a request after verifying its token: Envoy's
 * dynamic metadata under the filter's name, a map from each provider's {@code payload_in_metadata} key (Istio uses
 * {@code payload}) to the verified token's payload as JSON values (String, Long/Double, Boolean, List, Map). Istio's
 * RBAC reads {@code request.auth.principal} ({@code iss/sub}), {@code request.auth.claims[...]},
 * {@code request.auth.audiences} ({@code aud}) and {@code request.auth.presenter} ({@code azp}) from it.
 *
 * <p>Read it with {@link JwtAuthnFilter#metadata(dev.meshbox.proxy.http.HttpExchange)}; a request without a verified
 * token has {@link #EMPTY}.
 */
public record JwtMetadata(Map<String, Map<String, Object>> payloads) {

    public static final JwtMetadata EMPTY = new JwtMetadata(Map.of());

    /** Istio's {@code payload_in_metadata} key. */
    public static final String ISTIO_PAYLOAD_KEY = "payload";

    public JwtMetadata {
        payloads = Map.copyOf(payloads);
    }

    public boolean isEmpty() {
        return payloads.isEmpty();
    }

    /** The payload under {@code key}, or null. */
    public Map<String, Object> payload(String key) {
        return payloads.get(key);
    }

    /** The payload Istio's RBAC reads: under {@code payload}, else the only one there is; null without a token. */
    public Map<String, Object> payload() {
        Map<String, Object> p = payloads.get(ISTIO_PAYLOAD_KEY);
        if (p == null && payloads.size() == 1) {
            p = payloads.values().iterator().next();
        }
        return p;
    }

    /**
     * Istio's {@code request.auth.principal}: {@code <iss>/<sub>} of the verified token, or null without one (or when
     * the token has no {@code iss} or {@code sub}).
     */
    public String requestPrincipal() {
        Map<String, Object> p = payload();
        if (p == null || !(p.get("iss") instanceof String iss) || !(p.get("sub") instanceof String sub)) {
            return null;
        }
        return iss + "/" + sub;
    }

    /**
     * A claim as Istio's {@code request.auth.claims[a][b]} names it, nested by {@code path}; null when absent. Lists
     * stay lists; {@code scope} and {@code permission} strings were already split at spaces into lists, as Istio asks
     * Envoy to ({@code normalize_payload_in_metadata}).
     */
    public Object claim(String... path) {
        Object at = payload();
        for (String key : path) {
            if (!(at instanceof Map<?, ?> m)) {
                return null;
            }
            at = m.get(key);
        }
        return at;
    }

    /** A claim's values as strings: a string is one value, a list its string elements; empty when absent. */
    public List<String> claimValues(String... path) {
        Object v = claim(path);
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof List<?> l) {
            l.forEach(e -> {
                if (e instanceof String s) {
                    out.add(s);
                }
            });
        }
        return out;
    }

    /** Istio's {@code request.auth.audiences}: the token's {@code aud}, one value or several; empty without one. */
    public List<String> audiences() {
        return claimValues("aud");
    }

    /** Istio's {@code request.auth.presenter}: the token's {@code azp}, or null. */
    public String presenter() {
        return claim("azp") instanceof String s ? s : null;
    }

    /** This metadata with {@code payload} added under {@code key}. */
    JwtMetadata with(String key, Map<String, Object> payload) {
        Map<String, Map<String, Object>> next = new LinkedHashMap<>(payloads);
        next.put(key, payload);
        return new JwtMetadata(next);
    }
}
