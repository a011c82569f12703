package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService.HeaderOps;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.Map;
import java.util.Optional;

/**
 * Where a route's Host goes, as Istio's {@code translateRoute}, {@code processDestination} and
 * {@code processWeightedDestination} decide it. Envoy cannot set {@code Host} or {@code :authority} as a header, so a
 * {@code headers.request} set (or add) of either becomes a {@code host_rewrite_literal}: the rule's
 * {@code rewrite.authority} wins over the rule's headers; a single destination's headers apply only when the rule sets
 * no host; a weighted destination's go on its own cluster weight, which Envoy applies after the route's.
 */
final class HostRewrite {

    private HostRewrite() {}

    /** The rule-level host rewrite and, for a single destination, the destination's when the rule has none. */
    static void onRoute(HttpRoute rule, Optional<RouteDestination> single, RouteAction.Builder action) {
        Optional<String> host = rule.rewrite()
                .flatMap(rw -> rw.authority())
                .or(() -> authority(rule.headers().request()))
                .or(() -> single.flatMap(d -> authority(d.headers().request())));
        host.ifPresent(action::setHostRewriteLiteral);
    }

    static void onClusterWeight(RouteDestination destination, WeightedCluster.ClusterWeight.Builder weight) {
        authority(destination.headers().request()).ifPresent(weight::setHostRewriteLiteral);
    }

    /** Istio's {@code TranslateHeadersOperations}: the authority a set names, else the one an add names. */
    static Optional<String> authority(HeaderOps ops) {
        return named(ops.set()).or(() -> named(ops.add()));
    }

    private static Optional<String> named(Map<String, String> headers) {
        return headers.entrySet().stream()
                .filter(e -> isAuthority(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    static boolean isAuthority(String header) {
        return header.equalsIgnoreCase(":authority") || header.equalsIgnoreCase("host");
    }
}
