package dev.meshbox.proxy.rbac;

import dev.meshbox.proxy.route.FilterConfig;
import java.util.List;
import java.util.Map;

/**
 * One {@code envoy.filters.http.rbac} filter's rules: an action and named policies, in the order they are tried. A
 * policy matches when one of its permissions and one of its principals match. ALLOW lets a request pass only when
 * some policy matches; DENY refuses it when some policy matches; LOG never refuses (Istio's AUDIT).
 */
public record RbacPolicies(Action action, Map<String, Policy> policies) implements FilterConfig {

    public enum Action {
        ALLOW,
        DENY,
        LOG
    }

    public record Policy(List<Permission> permissions, List<Principal> principals) {
        public boolean matches(RbacRequest r) {
            return permissions.stream().anyMatch(p -> p.matches(r))
                    && principals.stream().anyMatch(p -> p.matches(r));
        }
    }

    /**
     * What the filter decided and why.
     *
     * @param policy the name of the policy that matched, or null when none did
     */
    public record Decision(boolean allowed, String policy) {
        /** Envoy's response code details for a denial: {@code rbac_access_denied_matched_policy[NAME]} or {@code [none]}. */
        public String details() {
            return "rbac_access_denied_matched_policy[" + (policy == null ? "none" : policy) + "]";
        }
    }

    public Decision evaluate(RbacRequest r) {
        String matched = null;
        for (Map.Entry<String, Policy> e : policies.entrySet()) {
            if (e.getValue().matches(r)) {
                matched = e.getKey();
                break;
            }
        }
        return switch (action) {
            case ALLOW -> new Decision(matched != null, matched);
            case DENY -> new Decision(matched == null, matched);
            case LOG -> new Decision(true, matched);
        };
    }
}
