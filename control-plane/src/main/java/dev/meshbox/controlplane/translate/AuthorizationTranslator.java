package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import dev.meshbox.controlplane.config.AuthorizationPolicy;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.security.ExtAuthzProvider;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * AuthorizationPolicies to the {@code envoy.filters.http.rbac} filters of one workload, as Istio's
 * {@code pilot/pkg/security/authz/builder}: CUSTOM first, then one filter per other action present, AUDIT (Envoy's
 * LOG) then DENY then ALLOW, each policy rule a map entry named {@code ns[NS]-policy[NAME]-rule[N]}. An ALLOW policy
 * without rules becomes a policy that never matches (allow nothing); a workload with no ALLOW policy gets no ALLOW
 * filter (allow all). A policy annotated {@code istio.io/dry-run: "true"} goes into its action's {@code shadow_rules}
 * (stat prefix {@code istio_dry_run_allow_} or {@code istio_dry_run_deny_}): evaluated and counted, never enforced, so
 * a dry-run ALLOW alone brings no default deny.
 * <p>
 * CUSTOM policies become an RBAC filter in shadow mode and an ext_authz filter that calls their provider
 * from the mesh config's {@code extensionProviders} only when one of their rules matched ({@link ExtAuthzFilters});
 * a provider that is not configured makes, as in Istio, a DENY filter that refuses every request to the selected
 * workloads ({@code default-deny-all-due-to-bad-CUSTOM-action}), with a warning. Istio's rule for HTTP-only fields on TCP ports
 * is {@link RbacRules#forTcp}; MeshBox's listeners are HTTP, so no chain uses it yet.
 */
final class AuthorizationTranslator {

    static final String RBAC_FILTER = "envoy.filters.http.rbac";
    static final String DRY_RUN_ALLOW_PREFIX = "istio_dry_run_allow_";
    static final String DRY_RUN_DENY_PREFIX = "istio_dry_run_deny_";
    /** Istio's {@code rbacDefaultDenyAll} policy name, for a CUSTOM action whose provider is not configured. */
    static final String BAD_CUSTOM_DENY_ALL = "default-deny-all-due-to-bad-CUSTOM-action";

    private AuthorizationTranslator() {}

    /** The RBAC filters for {@code proxy}, in chain order (CUSTOM first); empty when no policy applies. */
    static List<HttpFilter> filters(List<AuthorizationPolicy> all, Pod proxy, Consumer<String> warn) {
        return filters(all, proxy, List.of(), warn);
    }

    /**
     * The authorization filters for {@code proxy}, in chain order; empty when no policy applies.
     *
     * @param providers the mesh config's {@code extensionProviders}, which CUSTOM policies name
     */
    static List<HttpFilter> filters(
            List<AuthorizationPolicy> all, Pod proxy, List<ExtAuthzProvider> providers, Consumer<String> warn) {
        List<AuthorizationPolicy> applicable = all.stream()
                .filter(p -> applies(p, proxy))
                .sorted(Comparator.comparing((AuthorizationPolicy p) -> p.meta().namespace())
                        .thenComparing(p -> p.meta().name()))
                .toList();
        if (applicable.isEmpty()) {
            return List.of();
        }
        List<HttpFilter> out = new ArrayList<>(ExtAuthzFilters.custom(
                applicable.stream()
                        .filter(p -> p.action() == AuthorizationPolicy.Action.CUSTOM)
                        .toList(),
                providers,
                warn));
        for (AuthorizationPolicy.Action action : List.of(
                AuthorizationPolicy.Action.AUDIT, AuthorizationPolicy.Action.DENY, AuthorizationPolicy.Action.ALLOW)) {
            List<AuthorizationPolicy> ofAction =
                    applicable.stream().filter(p -> p.action() == action).toList();
            if (ofAction.isEmpty()) {
                continue;
            }
            Map<String, Policy> enforced = new TreeMap<>();
            Map<String, Policy> shadow = new TreeMap<>();
            boolean anyEnforced = false;
            boolean anyDryRun = false;
            for (AuthorizationPolicy p : ofAction) {
                if (p.dryRun()) {
                    anyDryRun = true;
                    shadow.putAll(policies(p));
                } else {
                    anyEnforced = true;
                    enforced.putAll(policies(p));
                }
            }
            RBAC.Action envoyAction = switch (action) {
                case AUDIT -> RBAC.Action.LOG;
                case DENY -> RBAC.Action.DENY;
                default -> RBAC.Action.ALLOW;
            };
            var config = io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder();
            // A DENY or AUDIT policy without rules matches nothing: no filter for it, as before.
            boolean enforce = anyEnforced && (!enforced.isEmpty() || action == AuthorizationPolicy.Action.ALLOW);
            boolean dryRun = anyDryRun && (!shadow.isEmpty() || action == AuthorizationPolicy.Action.ALLOW);
            if (!enforce && !dryRun) {
                continue;
            }
            if (enforce) {
                config.setRules(RBAC.newBuilder().setAction(envoyAction).putAllPolicies(enforced));
            }
            if (dryRun) {
                config.setShadowRules(RBAC.newBuilder().setAction(envoyAction).putAllPolicies(shadow));
                config.setShadowRulesStatPrefix(
                        switch (envoyAction) {
                            case ALLOW -> DRY_RUN_ALLOW_PREFIX;
                            case DENY -> DRY_RUN_DENY_PREFIX;
                            default -> "";
                        });
            }
            out.add(filter(config.build()));
        }
        return List.copyOf(out);
    }

    /** Whether {@code f} is the filter a CUSTOM action made: Istio puts it before jwt_authn, the others after. */
    static boolean isCustom(HttpFilter f) {
        if (f.getName().equals(ExtAuthzFilters.EXT_AUTHZ_FILTER)) {
            return true;
        }
        if (!f.getName().equals(RBAC_FILTER)) {
            return false;
        }
        try {
            var config = f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
            return config.getRules().containsPolicies(BAD_CUSTOM_DENY_ALL)
                    || config.getShadowRulesStatPrefix().equals(ExtAuthzFilters.SHADOW_PREFIX);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    static HttpFilter filter(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config) {
        return HttpFilter.newBuilder()
                .setName(RBAC_FILTER)
                .setTypedConfig(Any.pack(config))
                .build();
    }

    /** Istio's {@code rbacPolicyMatchAll}. */
    static Policy matchAll() {
        return Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAny(true))
                .build();
    }

    /** Istio's name of one rule's RBAC policy. */
    static String policyName(AuthorizationPolicy p, int rule) {
        return "ns[" + p.meta().namespace() + "]-policy[" + p.meta().name() + "]-rule[" + rule + "]";
    }

    /** Whether {@code p} applies to {@code proxy}: by namespace and selector, or by targetRef for gateways. */
    static boolean applies(AuthorizationPolicy p, Pod proxy) {
        if (!p.targetRefs().isEmpty()) {
            String gatewayName = proxy.labels().get(GatewayApiConverter.GATEWAY_NAME_LABEL);
            return proxy.role() == Pod.ProxyKind.GATEWAY
                    && p.meta().namespace().equals(proxy.namespace())
                    && gatewayName != null
                    && p.targetRefs().contains("Gateway/" + gatewayName);
        }
        return p.selects(proxy.namespace(), proxy.labels());
    }

    /**
     * The RBAC policies {@code p} gives a TCP filter chain, under {@link RbacRules#forTcp}: a dropped rule leaves no
     * entry (the others keep their Istio names and indexes). An ALLOW policy left with no entry allows nothing there.
     */
    static Map<String, Policy> policiesForTcp(AuthorizationPolicy p) {
        if (p.rules().isEmpty()) {
            return policies(p);
        }
        Map<String, Policy> out = new TreeMap<>();
        for (int i = 0; i < p.rules().size(); i++) {
            int rule = i;
            RbacRules.forTcp(p.rules().get(i), p.action())
                    .ifPresent(r -> out.put(policyName(p, rule), RbacRules.policy(r)));
        }
        return out;
    }

    static Map<String, Policy> policies(AuthorizationPolicy p) {
        Map<String, Policy> out = new TreeMap<>();
        if (p.rules().isEmpty()) {
            if (p.action() == AuthorizationPolicy.Action.ALLOW) {
                out.put(policyName(p, 0), matchNever());
            }
            return out;
        }
        for (int i = 0; i < p.rules().size(); i++) {
            out.put(policyName(p, i), RbacRules.policy(p.rules().get(i)));
        }
        return out;
    }

    /** Istio's {@code rbacPolicyMatchNever}. */
    private static Policy matchNever() {
        return Policy.newBuilder()
                .addPermissions(Permission.newBuilder()
                        .setNotRule(Permission.newBuilder().setAny(true)))
                .addPrincipals(
                        Principal.newBuilder().setNotId(Principal.newBuilder().setAny(true)))
                .build();
    }
}
