package dev.meshbox.proxy.spec;

import com.nimbusds.jose.jwk.JWKSet;
import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.jwt_authn}, which Istio puts on inbound and gateway connection managers for
 * RequestAuthentication. Providers carry their JWKS inline (istiod fetches {@code jwksUri} itself); a provider with a
 * remote JWKS is accepted but never fetched, so its tokens fail as an unreachable JWKS server would make them fail.
 */
public final class JwtAuthnFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.jwt_authn";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(JwtAuthentication.getDefaultInstance());

    /** jwt_verify_lib's default clock skew for exp and nbf. */
    private static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        JwtAuthentication a = config.unpack(JwtAuthentication.class, JwtAuthentication.newBuilder(), where);
        Map<String, JwtAuthnConfig.Provider> providers = new LinkedHashMap<>();
        a.getProvidersMap().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> providers.put(
                        e.getKey(), provider(e.getKey(), e.getValue(), where + ".providers[" + e.getKey() + "]")));
        List<JwtAuthnConfig.Rule> rules = new ArrayList<>();
        for (int i = 0; i < a.getRulesCount(); i++) {
            rules.add(rule(a.getRules(i), providers, where + ".rules[" + i + "]"));
        }
        return new JwtAuthnConfig(Map.copyOf(providers), List.copyOf(rules), a.getBypassCorsPreflight());
    }

    private static JwtAuthnConfig.Provider provider(String name, JwtProvider p, String where) {
        JWKSet jwks = null;
        if (p.hasLocalJwks()) {
            String text = p.getLocalJwks().hasInlineString()
                    ? p.getLocalJwks().getInlineString()
                    : p.getLocalJwks().getInlineBytes().toString(StandardCharsets.UTF_8);
            try {
                jwks = JWKSet.parse(text);
            } catch (ParseException e) {
                // As Envoy: an invalid inline JWKS is logged, not refused; its tokens find no valid key.
                jwks = new JWKSet();
            }
        } else if (!p.hasRemoteJwks()) {
            throw new IllegalArgumentException(where + ": one of local_jwks or remote_jwks is required");
        }
        List<JwtAuthnConfig.HeaderLocation> headers = p.getFromHeadersList().stream()
                .map(h -> new JwtAuthnConfig.HeaderLocation(h.getName(), h.getValuePrefix()))
                .toList();
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i).name().isEmpty()) {
                throw new IllegalArgumentException(where + ".from_headers[" + i + "].name: must not be empty");
            }
        }
        List<JwtAuthnConfig.ClaimToHeader> claims = p.getClaimToHeadersList().stream()
                .map(c -> new JwtAuthnConfig.ClaimToHeader(c.getHeaderName(), c.getClaimName()))
                .toList();
        Duration skew = p.getClockSkewSeconds() > 0 ? Duration.ofSeconds(p.getClockSkewSeconds()) : DEFAULT_CLOCK_SKEW;
        return new JwtAuthnConfig.Provider(
                name,
                p.getIssuer(),
                List.copyOf(p.getAudiencesList()),
                headers,
                List.copyOf(p.getFromParamsList()),
                List.copyOf(p.getFromCookiesList()),
                p.getForward(),
                p.getForwardPayloadHeader(),
                p.getPayloadInMetadata(),
                claims,
                Set.copyOf(p.getNormalizePayloadInMetadata().getSpaceDelimitedClaimsList()),
                jwks,
                skew);
    }

    private static JwtAuthnConfig.Rule rule(
            RequirementRule r, Map<String, JwtAuthnConfig.Provider> providers, String where) {
        var m = r.getMatch();
        String prefix = null;
        String path = null;
        switch (m.getPathSpecifierCase()) {
            case PREFIX -> prefix = m.getPrefix();
            case PATH -> path = m.getPath();
            default ->
                throw new IllegalArgumentException(
                        where + ".match: only prefix and path matches are supported, got " + m.getPathSpecifierCase());
        }
        JwtAuthnConfig.Requirement requirement = r.hasRequires()
                ? requirement(r.getRequires(), providers, where + ".requires")
                : new JwtAuthnConfig.AllowMissingOrFailed();
        return new JwtAuthnConfig.Rule(prefix, path, requirement);
    }

    private static JwtAuthnConfig.Requirement requirement(
            JwtRequirement r, Map<String, JwtAuthnConfig.Provider> providers, String where) {
        return switch (r.getRequiresTypeCase()) {
            case PROVIDER_NAME -> {
                if (!providers.containsKey(r.getProviderName())) {
                    throw new IllegalArgumentException(
                            where + ".provider_name: no provider named \"" + r.getProviderName() + "\"");
                }
                yield new JwtAuthnConfig.ProviderName(r.getProviderName());
            }
            case REQUIRES_ANY ->
                new JwtAuthnConfig.RequiresAny(list(
                        r.getRequiresAny().getRequirementsList(), providers, where + ".requires_any.requirements"));
            case REQUIRES_ALL ->
                new JwtAuthnConfig.RequiresAll(list(
                        r.getRequiresAll().getRequirementsList(), providers, where + ".requires_all.requirements"));
            case ALLOW_MISSING -> new JwtAuthnConfig.AllowMissing();
            case ALLOW_MISSING_OR_FAILED -> new JwtAuthnConfig.AllowMissingOrFailed();
            default ->
                throw new IllegalArgumentException(where + ": unsupported requirement " + r.getRequiresTypeCase());
        };
    }

    private static List<JwtAuthnConfig.Requirement> list(
            List<JwtRequirement> rs, Map<String, JwtAuthnConfig.Provider> providers, String where) {
        List<JwtAuthnConfig.Requirement> out = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            out.add(requirement(rs.get(i), providers, where + "[" + i + "]"));
        }
        return List.copyOf(out);
    }
}
