package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.meshbox.controlplane.config.RequestAuthentication;
import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementAndList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * RequestAuthentication to Envoy's {@code envoy.filters.http.jwt_authn}, as Istio builds it
 * ({@code convertToEnvoyJwtConfig} in {@code pilot/pkg/security/authn/policy_applier.go}): the rules of every policy
 * selecting the workload, sorted by issuer, become providers {@code origins-0}, {@code origins-1}, ...; each is required
 * as {@code {provider OR allow_missing}} so a request without a token passes on to authorization, and several are
 * combined as {@code ANY(P0, P1, ..., ALL(ANY(P0, allow_missing), ANY(P1, allow_missing), ...))}. The verified payload
 * goes into the filter's metadata under {@code payload}. JWKS are always inline: the rule's own {@code jwks}, else
 * what istiod fetched from {@code jwksUri} (MeshBox's control plane fetches it; Envoy never does), else an empty key
 * set, so a token fails as Istio's placeholder JWKS makes it fail until the keys arrive.
 */
final class JwtFilters {

    static final String NAME = "envoy.filters.http.jwt_authn";
    static final String PAYLOAD_IN_METADATA = "payload";
    /** Claims Istio always asks Envoy to split at spaces into lists. */
    private static final List<String> SPACE_DELIMITED = List.of("permission", "scope");

    private static final String NO_KEYS = "{\"keys\":[]}";

    private JwtFilters() {}

    /** The policies that select {@code proxy}: its namespace's and the root namespace's, oldest first. */
    static List<RequestAuthentication> selecting(MeshView view, Pod proxy) {
        List<RequestAuthentication> out = new ArrayList<>();
        for (RequestAuthentication ra : view.config().all(RequestAuthentication.class)) {
            String ns = ra.meta().namespace();
            if (!ns.equals(proxy.namespace()) && !ns.equals(RequestAuthentication.ROOT_NAMESPACE)) {
                continue;
            }
            if (!ra.targetRefs().isEmpty()) {
                if (ns.equals(proxy.namespace()) && ra.targetRefs().stream().anyMatch(r -> targets(r, proxy))) {
                    out.add(ra);
                }
                continue;
            }
            if (ra.selector().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(proxy.labels().get(e.getKey())))) {
                out.add(ra);
            }
        }
        out.sort(Comparator.comparingLong((RequestAuthentication ra) ->
                        view.config().created(ra.meta().key()))
                .thenComparing(ra -> ra.meta().key()));
        return out;
    }

    /** A Gateway API Gateway's pods carry its name in {@code gateway.networking.k8s.io/gateway-name}. */
    private static boolean targets(RequestAuthentication.TargetRef ref, Pod proxy) {
        return ref.kind().equals("Gateway")
                && proxy.role() == Pod.ProxyKind.GATEWAY
                && ref.name().equals(proxy.labels().get("gateway.networking.k8s.io/gateway-name"));
    }

    /** Whether some policy narrows by labels or targets: only then do pod labels choose a proxy's listeners. */
    static boolean labelsMatter(MeshView view) {
        return view.config().all(RequestAuthentication.class).stream()
                .anyMatch(ra -> !ra.selector().isEmpty() || !ra.targetRefs().isEmpty());
    }

    /** The jwt_authn filter for {@code proxy}, or empty when no policy with rules selects it. */
    static Optional<HttpFilter> filter(MeshView view, Pod proxy, XdsResources.Builder out) {
        List<RequestAuthentication> policies = selecting(view, proxy);
        List<RequestAuthentication.JwtRule> rules = new ArrayList<>();
        for (RequestAuthentication ra : policies) {
            rules.addAll(ra.jwtRules());
            for (RequestAuthentication.JwtRule r : ra.jwtRules()) {
                if (!r.jwks().isEmpty() && !r.jwksUri().isEmpty()) {
                    out.warn(ra.meta().display() + ": jwtRules with issuer \"" + r.issuer()
                            + "\" set both jwks and jwksUri; jwksUri is ignored, as Istio ignores it");
                } else if (r.jwks().isEmpty() && r.jwksUri().isEmpty()) {
                    out.warn(ra.meta().display() + ": jwtRules with issuer \"" + r.issuer() + "\" name no jwks and no"
                            + " jwksUri; MeshBox does not discover keys through OpenID Connect as istiod does, so its"
                            + " tokens are rejected");
                } else if (r.jwks().isEmpty() && !view.jwks().containsKey(r.jwksUri())) {
                    out.warn(ra.meta().display() + ": the JWKS of issuer \"" + r.issuer() + "\" could not be fetched"
                            + " from " + r.jwksUri() + "; its tokens are rejected until it is");
                }
            }
        }
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        rules.sort(Comparator.comparing(RequestAuthentication.JwtRule::issuer)); // stable, as Istio's
        return Optional.of(HttpFilter.newBuilder()
                .setName(NAME)
                .setTypedConfig(Any.pack(config(rules, view.jwks())))
                .build());
    }

    static JwtAuthentication config(List<RequestAuthentication.JwtRule> rules, Map<String, String> fetched) {
        JwtAuthentication.Builder a = JwtAuthentication.newBuilder();
        List<JwtRequirement> perProvider = new ArrayList<>();
        List<JwtRequirement> anyProvider = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = "origins-" + i;
            a.putProviders(name, provider(rules.get(i), fetched));
            JwtRequirement provider =
                    JwtRequirement.newBuilder().setProviderName(name).build();
            perProvider.add(JwtRequirement.newBuilder()
                    .setRequiresAny(JwtRequirementOrList.newBuilder()
                            .addRequirements(provider)
                            .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))
                    .build());
            anyProvider.add(provider);
        }
        JwtRequirement requires;
        if (perProvider.size() == 1) {
            requires = perProvider.get(0);
        } else {
            anyProvider.add(JwtRequirement.newBuilder()
                    .setRequiresAll(JwtRequirementAndList.newBuilder().addAllRequirements(perProvider))
                    .build());
            requires = JwtRequirement.newBuilder()
                    .setRequiresAny(JwtRequirementOrList.newBuilder().addAllRequirements(anyProvider))
                    .build();
        }
        return a.addRules(RequirementRule.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(requires))
                .setBypassCorsPreflight(true)
                .build();
    }

    private static JwtProvider provider(RequestAuthentication.JwtRule r, Map<String, String> fetched) {
        TreeSet<String> spaceDelimited = new TreeSet<>(SPACE_DELIMITED);
        spaceDelimited.addAll(r.spaceDelimitedClaims());
        JwtProvider.Builder p = JwtProvider.newBuilder()
                .setIssuer(r.issuer())
                .addAllAudiences(r.audiences())
                .setForward(r.forwardOriginalToken())
                .setForwardPayloadHeader(r.outputPayloadToHeader())
                .setPayloadInMetadata(PAYLOAD_IN_METADATA)
                .setNormalizePayloadInMetadata(
                        JwtProvider.NormalizePayload.newBuilder().addAllSpaceDelimitedClaims(spaceDelimited));
        for (RequestAuthentication.ClaimToHeader c : r.outputClaimToHeaders()) {
            p.addClaimToHeaders(
                    JwtClaimToHeader.newBuilder().setHeaderName(c.header()).setClaimName(c.claim()));
        }
        for (RequestAuthentication.HeaderLocation h : r.fromHeaders()) {
            p.addFromHeaders(JwtHeader.newBuilder().setName(h.name()).setValuePrefix(h.prefix()));
        }
        p.addAllFromParams(r.fromParams()).addAllFromCookies(r.fromCookies());
        String jwks = !r.jwks().isEmpty() ? r.jwks() : fetched.getOrDefault(r.jwksUri(), NO_KEYS);
        return p.setLocalJwks(DataSource.newBuilder().setInlineString(jwks)).build();
    }
}
