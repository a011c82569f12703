package dev.meshbox.launcher.admin;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.backend.GlobalNamesClusters;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.scenarios.MeshAccess;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which cluster's control plane {@code meshbox apply --cluster NAME} talks to while {@code up --clusters N} runs (each
 * cluster has its own istiod and config, as {@code kubectl --context}), and the {@code ${CLUSTERn_GW_ADDR}} values its
 * YAML may use, as Istio's multicluster docs export them and scenarios substitute them: each cluster's gateway address
 * for the other clusters (the {@code .global} model's gateway on 15443, else the east-west gateway, else the
 * ingress).
 *
 * @param clusters the clusters by name, the default first
 * @param gatewayAddresses per cluster, the address {@code ${CLUSTERn_GW_ADDR}} stands for
 */
public record ClusterTargets(Map<String, MeshControl> clusters, Map<String, String> gatewayAddresses) {

    public ClusterTargets {
        clusters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(clusters));
        gatewayAddresses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(gatewayAddresses));
    }

    /** A single-cluster mesh: no {@code --cluster} names anything. */
    public static ClusterTargets single(MeshControl mesh) {
        return new ClusterTargets(Map.of("", mesh), Map.of());
    }

    /** The clusters of {@code up --clusters N}, cluster1 (the first) the default. */
    public static ClusterTargets of(MultiClusterMesh mesh) {
        Map<String, MeshControl> clusters = new LinkedHashMap<>();
        Map<String, String> addresses = new LinkedHashMap<>();
        for (Map.Entry<String, LocalMesh> c : mesh.clusters().entrySet()) {
            clusters.put(c.getKey(), c.getValue().control());
            String address = mesh.globalNames()
                    .map(g -> g.gateway(c.getKey()).getAddress().getHostAddress())
                    .orElseGet(() -> eastWestGateway(c.getValue()));
            addresses.put(c.getKey(), address);
        }
        return new ClusterTargets(clusters, addresses);
    }

    /** The east-west gateway pod's address in {@code mesh}, else its ingress's. */
    private static String eastWestGateway(LocalMesh mesh) {
        return mesh.controlPlane().registry().snapshot().pods().values().stream()
                .filter(Topology::isEastWestGateway)
                .map(Pod::ip)
                .findFirst()
                .orElseGet(() -> mesh.ingress().getAddress().getHostAddress());
    }

    /** The cluster {@code name} names, the default when null; a clear error naming the clusters otherwise. */
    public MeshControl target(String name) {
        if (name == null || name.isEmpty()) {
            return clusters.values().iterator().next();
        }
        if (clusters.containsKey("")) {
            throw new IllegalArgumentException("--cluster " + name + ": this mesh runs one cluster; --cluster picks"
                    + " one of the clusters of ./meshbox up --clusters N");
        }
        MeshControl mesh = clusters.get(name);
        if (mesh == null) {
            throw new IllegalArgumentException("--cluster " + name + ": no cluster \"" + name
                    + "\" in this mesh; clusters: " + List.copyOf(clusters.keySet()));
        }
        return mesh;
    }

    /** {@code config} with every {@code ${CLUSTERn_GW_ADDR}} of a cluster here replaced by its gateway address. */
    public List<MeshAccess.ConfigText> expand(List<MeshAccess.ConfigText> config) {
        if (gatewayAddresses.isEmpty()) {
            return config;
        }
        return config.stream()
                .map(c -> new MeshAccess.ConfigText(c.name(), expand(c.text())))
                .toList();
    }

    private String expand(String text) {
        String out = text;
        for (Map.Entry<String, String> gw : gatewayAddresses.entrySet()) {
            out = out.replace("${" + GlobalNamesClusters.gatewayVariable(gw.getKey()) + "}", gw.getValue());
        }
        return out;
    }
}
