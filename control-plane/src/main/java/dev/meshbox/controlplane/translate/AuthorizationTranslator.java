package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import dev.meshbox.controlplane.config.AuthorizationPolicy;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.registry.Pod;
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
 * {@code pilot/pkg/security/authz/builder}: one filter per action present, AUDIT (Envoy's LOG) then DENY then ALLOW,
 * each policy rule a map entry named {@code ns[NS]-policy[NAME]-rule[N]}. An ALLOW policy without rules becomes a
 * policy that never matches (allow nothing); a workload with no ALLOW policy gets no ALLOW filter (allow all).
 * CUSTOM (ext_authz) is not simulated: such a policy is left out with a warning. MeshBox is HTTP-only, so Istio's
 * rule for HTTP fields on TCP ports does not arise.
 */
final class AuthorizationTranslator {

    static final String RBAC_FILTER = "envoy.filters.http.rbac";

    private AuthorizationTranslator() {}

    /** The RBAC filters for {@code proxy}, in chain order; empty when no policy applies. */
    static List<HttpFilter> filters(List<AuthorizationPolicy> all, Pod proxy, Consumer<String> warn) {
        List<AuthorizationPolicy> applicable = all.stream()
                .filter(p -> applies(p, proxy))
                .sorted(Comparator.comparing((AuthorizationPolicy p) -> p.meta().namespace())
                        .thenComparing(p -> p.meta().name()))
                .toList();
        if (applicable.isEmpty()) {
            return List.of();
        }
        List<HttpFilter> out = new ArrayList<>();
        for (AuthorizationPolicy.Action action : List.of(
                AuthorizationPolicy.Action.AUDIT, AuthorizationPolicy.Action.DENY, AuthorizationPolicy.Action.ALLOW)) {
            List<AuthorizationPolicy> ofAction =
                    applicable.stream().filter(p -> p.action() == action).toList();
            if (ofAction.isEmpty()) {
                continue;
            }
            Map<String, Policy> policies = new TreeMap<>();
            for (AuthorizationPolicy p : ofAction) {
                policies.putAll(policies(p));
            }
            if (policies.isEmpty() && action != AuthorizationPolicy.Action.ALLOW) {
                continue; // a DENY or AUDIT policy without rules matches nothing
            }
            RBAC.Action envoyAction = switch (action) {
                case AUDIT -> RBAC.Action.LOG;
                case DENY -> RBAC.Action.DENY;
                default -> RBAC.Action.ALLOW;
            };
            io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config = io.envoyproxy
                    .envoy
                    .extensions
                    .filters
                    .http
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .setRules(RBAC.newBuilder().setAction(envoyAction).putAllPolicies(policies))
                    .build();
            out.add(HttpFilter.newBuilder()
                    .setName(RBAC_FILTER)
                    .setTypedConfig(Any.pack(config))
                    .build());
        }
        applicable.stream()
                .filter(p -> p.action() == AuthorizationPolicy.Action.CUSTOM)
                .forEach(p -> warn.accept(p.meta().display() + ": action CUSTOM (provider " + p.provider()
                        + ") is not simulated; the policy is ignored"));
        return List.copyOf(out);
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

    private static Map<String, Policy> policies(AuthorizationPolicy p) {
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
