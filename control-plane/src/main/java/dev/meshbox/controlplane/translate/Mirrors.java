package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code mirror} with {@code mirrorPercentage}, and {@code mirrors}, to Envoy's {@code request_mirror_policies}, as
 * Istio's {@code MirrorPercent} and {@code MirrorPercentByPolicy}: 100 % when no percentage is given, no mirror at an
 * explicit 0 %, and a mirror whose host is not in the mesh left out with a warning.
 */
final class Mirrors {

    private Mirrors() {}

    static List<RouteAction.RequestMirrorPolicy> policies(
            RouteTranslator.Context ctx, VirtualService vs, HttpRoute rule, String where, XdsResources.Builder out) {
        List<RouteAction.RequestMirrorPolicy> policies = new ArrayList<>();
        rule.mirror()
                .ifPresent(m -> policy(ctx, vs, m, rule.mirrorPercentage(), where + ".mirror", out)
                        .ifPresent(policies::add));
        for (int i = 0; i < rule.mirrors().size(); i++) {
            VirtualService.Mirror m = rule.mirrors().get(i);
            policy(ctx, vs, m.destination(), m.percentage(), where + ".mirrors[" + i + "]", out)
                    .ifPresent(policies::add);
        }
        return policies;
    }

    private static Optional<RouteAction.RequestMirrorPolicy> policy(
            RouteTranslator.Context ctx,
            VirtualService vs,
            VirtualService.Destination destination,
            Optional<Double> percentage,
            String where,
            XdsResources.Builder out) {
        double pct = percentage.orElse(100.0);
        if (pct <= 0) {
            return Optional.empty();
        }
        return RouteTranslator.cluster(ctx, vs, destination, where, out)
                .map(cluster -> RouteAction.RequestMirrorPolicy.newBuilder()
                        .setCluster(cluster)
                        .setRuntimeFraction(
                                RuntimeFractionalPercent.newBuilder().setDefaultValue(RouteTranslator.fraction(pct)))
                        .build());
    }
}
