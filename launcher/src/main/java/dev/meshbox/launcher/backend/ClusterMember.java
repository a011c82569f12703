package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.registry.Topology;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster a local mesh is, in a multi-cluster mesh: its id (Istio's {@code multiCluster.clusterName}) and network
 * ({@code values.global.network}, empty for none). Every pod of the cluster carries them as Istio's topology labels,
 * {@code topology.istio.io/cluster} and {@code topology.istio.io/network}, which the control planes read.
 */
public record ClusterMember(String cluster, String network) {

    public ClusterMember {
        network = network == null ? "" : network;
    }

    /** {@code labels} plus this cluster's topology labels (the network's only when there is one). */
    public Map<String, String> labels(Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>(labels);
        out.put(Topology.CLUSTER, cluster);
        if (!network.isEmpty()) {
            out.put(Topology.NETWORK, network);
        }
        return Map.copyOf(out);
    }

    /** {@code labels} with the topology labels of {@code member}, or unchanged for a mesh alone (null). */
    static Map<String, String> labels(ClusterMember member, Map<String, String> labels) {
        return member == null ? labels : member.labels(labels);
    }
}
