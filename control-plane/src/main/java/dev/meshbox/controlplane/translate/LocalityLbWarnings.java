package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.DestinationRule.LoadBalancer;
import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import dev.meshbox.controlplane.config.DestinationRule.OutlierDetection;
import dev.meshbox.controlplane.config.DestinationRule.TrafficPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The warning of Istio's {@code ValidateLocalityLbSetting}: a traffic policy whose {@code localityLbSetting} sets
 * {@code failover} or {@code failoverPriority} without {@code outlierDetection} in the same policy never fails over
 * (Envoy only leaves a priority whose hosts are ejected). Istio accepts the DestinationRule with the warning; so does
 * MeshBox. The errors of the same validation are the parser's ({@code LocalityLbSettingParser}).
 */
final class LocalityLbWarnings {

    static final String MESSAGE = "outlier detection policy must be provided for failover";

    private LocalityLbWarnings() {}

    static List<String> warnings(MeshView view) {
        List<String> out = new ArrayList<>();
        for (DestinationRule dr : view.config().all(DestinationRule.class)) {
            String at = dr.meta().display() + ": ";
            dr.trafficPolicy().ifPresent(p -> check(p, at + "spec.trafficPolicy", out));
            for (int i = 0; i < dr.subsets().size(); i++) {
                String subset = at + "spec.subsets[" + i + "].trafficPolicy";
                dr.subsets().get(i).trafficPolicy().ifPresent(p -> check(p, subset, out));
            }
        }
        return out;
    }

    private static void check(TrafficPolicy policy, String path, List<String> out) {
        warn(policy.loadBalancer(), policy.outlierDetection(), path, out);
        for (int i = 0; i < policy.portLevelSettings().size(); i++) {
            DestinationRule.PortTrafficPolicy p = policy.portLevelSettings().get(i);
            warn(p.loadBalancer(), p.outlierDetection(), path + ".portLevelSettings[" + i + "]", out);
        }
    }

    private static void warn(
            Optional<LoadBalancer> lb, Optional<OutlierDetection> outlier, String path, List<String> out) {
        Optional<LocalityLbSetting> s = lb.flatMap(LoadBalancer::localityLbSetting);
        if (s.isPresent()
                && (!s.get().failover().isEmpty() || !s.get().failoverPriority().isEmpty())
                && outlier.isEmpty()) {
            out.add(path + ".loadBalancer.localityLbSetting: " + MESSAGE);
        }
    }
}
