package dev.meshbox.proxy.rbac;

import dev.meshbox.proxy.route.FilterConfig;
import java.util.Optional;

/**
 * One {@code envoy.filters.http.rbac} filter: the {@code rules} it enforces and the {@code shadow_rules} it only
 * evaluates and counts (Istio's {@code istio.io/dry-run} policies), each absent when the filter has none. Without
 * rules the filter lets everything pass, as Envoy's does.
 *
 * @param shadowStatPrefix Envoy's {@code shadow_rules_stat_prefix} ({@code istio_dry_run_allow_}): the shadow counters
 *                         are {@code rbac.<prefix>shadow_allowed} and {@code rbac.<prefix>shadow_denied}
 */
public record RbacFilterConfig(Optional<RbacPolicies> rules, Optional<RbacPolicies> shadow, String shadowStatPrefix)
        implements FilterConfig {}
