package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;

/**
 * security.istio.io AuthorizationPolicy, validated. Field names follow Istio's reference; a rule's {@code from} and
 * {@code to} entries keep their fields by Istio's name ({@code principals}, {@code notPaths}, ...) in Istio's order.
 *
 * @param selector the workload selector's {@code matchLabels}; empty selects every workload of the namespace (or of
 *     the mesh, in the root namespace)
 * @param targetRefs {@code targetRef} and {@code targetRefs}, as {@code kind/name}
 * @param provider the CUSTOM action's {@code provider.name}; empty for the other actions
 * @param rules empty for "allow nothing" (ALLOW) or "match nothing" (DENY, AUDIT)
 * @param dryRun the annotation {@code istio.io/dry-run: "true"}: the policy is evaluated and counted (Envoy's shadow
 *     rules), never enforced
 */
public record AuthorizationPolicy(
        ResourceMeta meta,
        String yaml,
        Map<String, String> selector,
        List<String> targetRefs,
        Action action,
        String provider,
        List<Rule> rules,
        boolean dryRun)
        implements IstioResource {

    /** Istio's annotation that makes a policy a dry run. */
    public static final String DRY_RUN_ANNOTATION = "istio.io/dry-run";

    /** Istio's actions, in the order Envoy's filters evaluate them: CUSTOM, then DENY, then ALLOW; AUDIT only logs. */
    public enum Action {
        ALLOW,
        DENY,
        AUDIT,
        CUSTOM
    }

    /** {@code from}, {@code to} and {@code when} are ANDed; the entries of {@code from} (and of {@code to}) are ORed. */
    public record Rule(List<Fields> from, List<Fields> to, List<Condition> when) {}

    /**
     * One {@code from.source} or {@code to.operation}: its fields by Istio's name, ANDed; a field's values are ORed.
     */
    public record Fields(Map<String, List<String>> values) {}

    /** One {@code when} entry: {@code key} matches one of {@code values} and none of {@code notValues}. */
    public record Condition(String key, List<String> values, List<String> notValues) {}

    /** The root namespace: a policy there applies to the whole mesh. */
    public static final String ROOT_NAMESPACE = "istio-system";

    /** Whether the policy applies to a workload with these labels in {@code namespace} (targetRefs aside). */
    public boolean selects(String namespace, Map<String, String> labels) {
        if (!meta.namespace().equals(ROOT_NAMESPACE) && !meta.namespace().equals(namespace)) {
            return false;
        }
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
