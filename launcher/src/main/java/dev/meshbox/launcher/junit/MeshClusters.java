package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * {@code @MeshTest(clusters)} read: the clusters ({@code NAME} or {@code NAME/NETWORK}) and where each workload runs
 * ({@code NAME@CLUSTER} there only, any other everywhere).
 *
 * @param everywhere the workloads of every cluster (all of them without clusters)
 * @param placed     cluster name to the workloads named {@code @} it, in the clusters' order
 */
record MeshClusters(List<String> everywhere, Map<String, List<String>> placed, Map<String, String> networks) {

    static MeshClusters of(String where, MeshTest test) {
        Map<String, String> networks = new LinkedHashMap<>();
        for (String c : test.clusters()) {
            int slash = c.indexOf('/');
            String name = slash < 0 ? c : c.substring(0, slash);
            String network = slash < 0 ? "" : c.substring(slash + 1);
            if (networks.put(name, network) != null) {
                throw new ExtensionConfigurationException(where + ": clusters: cluster name \"" + name
                        + "\" is used twice; each cluster needs its own name, as its istiod's clusterName");
            }
        }
        List<String> everywhere = new ArrayList<>();
        Map<String, List<String>> placed = new LinkedHashMap<>();
        networks.keySet().forEach(n -> placed.put(n, new ArrayList<>()));
        for (String w : test.workloads()) {
            int at = w.lastIndexOf('@');
            if (at < 0) {
                everywhere.add(w);
                continue;
            }
            String cluster = w.substring(at + 1);
            if (!placed.containsKey(cluster)) {
                throw new ExtensionConfigurationException(where + ": workloads: \"" + w + "\": unknown cluster \""
                        + cluster + "\"; clusters: "
                        + (networks.isEmpty()
                                ? "none (add clusters = {\"" + cluster + "\", ...})"
                                : networks.keySet()));
            }
            placed.get(cluster).add(w.substring(0, at));
        }
        return new MeshClusters(everywhere, placed, networks);
    }

    /**
     * The clusters with their workloads: {@code shared} (the test's workloads for every cluster, Bookinfo when none
     * is given anywhere) plus each cluster's own; none without clusters.
     */
    List<Scenario.Cluster> clusters(List<Scenario.Workload> shared, Function<String, Scenario.Workload> builtin) {
        boolean anyPlaced = placed.values().stream().anyMatch(l -> !l.isEmpty());
        List<Scenario.Workload> common = everywhere.isEmpty() && anyPlaced
                ? shared.stream()
                        .filter(w ->
                                !(w instanceof Scenario.Builtin b && b.name().equals("bookinfo")))
                        .toList()
                : shared;
        List<Scenario.Cluster> out = new ArrayList<>();
        networks.forEach((name, network) -> {
            List<Scenario.Workload> all = new ArrayList<>(common);
            placed.get(name).forEach(w -> all.add(builtin.apply(w)));
            out.add(new Scenario.Cluster(name, network, all));
        });
        return out;
    }
}
