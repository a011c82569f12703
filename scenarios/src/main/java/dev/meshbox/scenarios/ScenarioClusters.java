package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A scenario's top-level {@code clusters}: several clusters in one box, as Istio's multi-primary install makes them.
 *
 * <pre>
 * clusters:
 *   - {name: cluster1, network: network1, workloads: [helloworld-v1.sample, sleep.sample]}
 *   - {name: cluster2, network: network2, workloads: [helloworld-v2.sample, sleep.sample]}
 * </pre>
 *
 * Placement: the scenario's {@code workloads} run in every cluster (Istio's docs deploy the same Service to each
 * cluster), a cluster's own {@code workloads} in that cluster only; with neither, every cluster runs Bookinfo. Clusters
 * on the same network (or all without one) reach each other's pods directly, on different networks through each
 * network's east-west gateway. A workload in a cluster is {@code NAME@CLUSTER} in {@code from}
 * ({@code from: sleep@cluster2}); a name alone is in the first cluster.
 */
final class ScenarioClusters {

    private static final Set<String> FIELDS = Set.of("name", "network", "workloads");
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    private ScenarioClusters() {}

    /** Whether the top-level {@code workloads} (or its default, Bookinfo) applies: not for clusters without it. */
    static boolean sharedWorkloads(JsonNode root) {
        return root.has("workloads") || !root.has("clusters");
    }

    /**
     * The clusters, or none for a one-cluster scenario.
     *
     * @param shared    the scenario's own workloads, run in every cluster
     * @param workloads reads a workloads list at a path, as the top-level one is read
     */
    static List<Scenario.Cluster> read(
            FieldReader r,
            JsonNode n,
            List<Scenario.Workload> shared,
            BiFunction<JsonNode, String, List<Scenario.Workload>> workloads) {
        if (n == null) {
            return List.of();
        }
        if (!n.isArray() || n.isEmpty()) {
            r.problem(
                    "clusters",
                    "must be a non-empty list of clusters, e.g. [{name: cluster1, network: network1},"
                            + " {name: cluster2, network: network2}]");
            return List.of();
        }
        boolean anyOwn = false;
        for (JsonNode c : n) {
            anyOwn |= c.has("workloads");
        }
        List<Scenario.Workload> everywhere =
                shared.isEmpty() && !anyOwn ? List.of(new Scenario.Builtin("bookinfo")) : shared;
        Map<String, Integer> seen = new LinkedHashMap<>();
        List<Scenario.Cluster> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String path = "clusters[" + i + "]";
            JsonNode c = n.get(i);
            if (!r.isObject(c, path, "{name, network, workloads}")) {
                continue;
            }
            r.only(c, path, FIELDS);
            String name = r.text(c, path, "name", true).orElse("");
            String network = r.text(c, path, "network", false).orElse("");
            if (!name.isEmpty() && (!name.matches(DNS_LABEL) || name.length() > 63)) {
                r.problem(path + ".name", "\"" + name + "\" must be a DNS label (a-z, 0-9, '-'), such as cluster1");
            }
            if (!network.isEmpty() && !network.matches(DNS_LABEL)) {
                r.problem(
                        path + ".network", "\"" + network + "\" must be a DNS label (a-z, 0-9, '-'), such as network1");
            }
            Integer before = seen.putIfAbsent(name, i);
            if (before != null && !name.isEmpty()) {
                r.problem(
                        path + ".name",
                        "cluster name \"" + name + "\" is used twice (clusters[" + before + "] and clusters[" + i
                                + "]); each cluster needs its own name, as its istiod's clusterName");
            }
            List<Scenario.Workload> all = new ArrayList<>(everywhere);
            if (c.has("workloads")) {
                all.addAll(workloads.apply(c.get("workloads"), path + ".workloads"));
            }
            out.add(new Scenario.Cluster(name, network, all));
        }
        return List.copyOf(out);
    }

    /** Every {@code from: NAME@CLUSTER} names a cluster of the scenario; without clusters, {@code @} is refused. */
    static void checkFrom(FieldReader r, List<Scenario.Cluster> clusters, List<Scenario.Step> steps) {
        List<String> names = clusters.stream().map(Scenario.Cluster::name).toList();
        for (int i = 0; i < steps.size(); i++) {
            int step = i;
            steps.get(i).traffic().ifPresent(t -> {
                int at = t.from().lastIndexOf('@');
                if (at < 0) {
                    return;
                }
                String cluster = t.from().substring(at + 1);
                String path = "steps[" + step + "].traffic.from";
                if (names.isEmpty()) {
                    r.problem(
                            path,
                            "\"" + t.from() + "\" names cluster " + cluster
                                    + ", but this scenario has no clusters; add top-level clusters: [{name: " + cluster
                                    + "}, ...] or send from " + t.from().substring(0, at));
                } else if (!names.contains(cluster)) {
                    r.problem(path, "\"" + t.from() + "\": unknown cluster \"" + cluster + "\"; clusters: " + names);
                }
            });
        }
    }
}
