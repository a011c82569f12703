package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.meshbox.controlplane.config.AuthorizationPolicy;
import dev.meshbox.controlplane.security.ExtAuthzProvider;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationRequest;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * CUSTOM AuthorizationPolicies to Envoy filters, as Istio's {@code pilot/pkg/security/authz/builder} (
 * {@code extauthz.go}): an {@code envoy.filters.http.rbac} whose {@code shadow_rules} (action DENY, stat prefix
 * {@code istio_ext_authz_}, policies named {@code istio-ext-authz-ns[NS]-policy[NAME]-rule[N]}) only mark a request
 * one of the rules matched, then an {@code envoy.filters.http.ext_authz} enabled by that mark
 * ({@code filter_enabled_metadata}) that asks the provider's HTTP service. Istio allows one provider per workload; a
 * provider that is not configured, or two, make the workload refuse everything
 * ({@code default-deny-all-due-to-bad-CUSTOM-action}).
 */
final class ExtAuthzFilters {

    static final String EXT_AUTHZ_FILTER = "envoy.filters.http.ext_authz";
    static final String SHADOW_PREFIX = "istio_ext_authz_";
    static final String POLICY_PREFIX = "istio-ext-authz-";
    /** The dynamic metadata key Envoy's RBAC filter writes the matched shadow policy under. */
    static final String SHADOW_EFFECTIVE_POLICY_ID = SHADOW_PREFIX + "shadow_effective_policy_id";

    private ExtAuthzFilters() {}

    static List<HttpFilter> custom(
            List<AuthorizationPolicy> custom, List<ExtAuthzProvider> providers, Consumer<String> warn) {
        if (custom.isEmpty()) {
            return List.of();
        }
        Set<String> named = new LinkedHashSet<>();
        custom.forEach(p -> named.add(p.provider()));
        Optional<ExtAuthzProvider> provider = named.size() == 1
                ? providers.stream()
                        .filter(p -> p.name().equals(named.iterator().next()))
                        .findFirst()
                : Optional.empty();
        if (provider.isEmpty()) {
            String why = named.size() > 1
                    ? "only 1 provider can be used per workload, found multiple providers: " + named
                    : "available providers are "
                            + providers.stream().map(ExtAuthzProvider::name).toList() + " but found \""
                            + named.iterator().next() + "\"";
            custom.forEach(p -> warn.accept(p.meta().display() + ": action CUSTOM: " + why
                    + " (the mesh config's extensionProviders); as Istio does, every request to the selected"
                    + " workloads is denied (" + AuthorizationTranslator.BAD_CUSTOM_DENY_ALL + ")"));
            return List.of(AuthorizationTranslator.filter(io.envoyproxy
                    .envoy
                    .extensions
                    .filters
                    .http
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .setRules(RBAC.newBuilder()
                            .setAction(RBAC.Action.DENY)
                            .putPolicies(
                                    AuthorizationTranslator.BAD_CUSTOM_DENY_ALL, AuthorizationTranslator.matchAll()))
                    .build()));
        }
        Map<String, Policy> marks = new TreeMap<>();
        for (AuthorizationPolicy p : custom) {
            AuthorizationTranslator.policies(p).forEach((name, policy) -> marks.put(POLICY_PREFIX + name, policy));
        }
        HttpFilter shadow = AuthorizationTranslator.filter(io.envoyproxy
                .envoy
                .extensions
                .filters
                .http
                .rbac
                .v3
                .RBAC
                .newBuilder()
                .setShadowRules(RBAC.newBuilder().setAction(RBAC.Action.DENY).putAllPolicies(marks))
                .setShadowRulesStatPrefix(SHADOW_PREFIX)
                .build());
        return List.of(
                shadow,
                HttpFilter.newBuilder()
                        .setName(EXT_AUTHZ_FILTER)
                        .setTypedConfig(Any.pack(extAuthz(provider.get())))
                        .build());
    }

    /** Istio's {@code generateHTTPConfig}. */
    static ExtAuthz extAuthz(ExtAuthzProvider p) {
        String host = p.hostname();
        HttpService.Builder service = HttpService.newBuilder()
                .setPathPrefix(p.pathPrefix())
                .setServerUri(HttpUri.newBuilder()
                        .setUri("http://" + host)
                        .setCluster(Names.outboundCluster(p.port(), "", host))
                        .setTimeout(Durations.fromMillis(p.timeout().toMillis())));
        if (!p.includeRequestHeadersInCheck().isEmpty()) {
            service.setAuthorizationRequest(
                    AuthorizationRequest.newBuilder().setAllowedHeaders(headers(p.includeRequestHeadersInCheck())));
        }
        if (!p.headersToUpstreamOnAllow().isEmpty()
                || !p.headersToDownstreamOnDeny().isEmpty()
                || !p.headersToDownstreamOnAllow().isEmpty()) {
            AuthorizationResponse.Builder response = AuthorizationResponse.newBuilder();
            if (!p.headersToUpstreamOnAllow().isEmpty()) {
                response.setAllowedUpstreamHeaders(headers(p.headersToUpstreamOnAllow()));
            }
            if (!p.headersToDownstreamOnDeny().isEmpty()) {
                response.setAllowedClientHeaders(headers(p.headersToDownstreamOnDeny()));
            }
            if (!p.headersToDownstreamOnAllow().isEmpty()) {
                response.setAllowedClientHeadersOnSuccess(headers(p.headersToDownstreamOnAllow()));
            }
            service.setAuthorizationResponse(response);
        }
        ExtAuthz.Builder config = ExtAuthz.newBuilder()
                .setHttpService(service)
                .setFailureModeAllow(p.failOpen())
                .setTransportApiVersion(ApiVersion.V3)
                .setFilterEnabledMetadata(MetadataMatcher.newBuilder()
                        .setFilter(AuthorizationTranslator.RBAC_FILTER)
                        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(SHADOW_EFFECTIVE_POLICY_ID))
                        .setValue(ValueMatcher.newBuilder()
                                .setStringMatch(StringMatcher.newBuilder().setPrefix("istio-ext-authz"))));
        StatusCode status = StatusCode.forNumber(p.statusOnError());
        if (status != null) {
            config.setStatusOnError(HttpStatus.newBuilder().setCode(status));
        }
        return config.build();
    }

    /** Istio's {@code generateHeaders}: {@code *x} suffix, {@code x*} prefix, otherwise exact, all ignoring case. */
    private static ListStringMatcher headers(List<String> names) {
        ListStringMatcher.Builder out = ListStringMatcher.newBuilder();
        for (String h : names) {
            StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(true);
            if (h.startsWith("*")) {
                m.setSuffix(h.substring(1));
            } else if (h.endsWith("*")) {
                m.setPrefix(h.substring(0, h.length() - 1));
            } else {
                m.setExact(h);
            }
            out.addPatterns(m);
        }
        return out.build();
    }
}
