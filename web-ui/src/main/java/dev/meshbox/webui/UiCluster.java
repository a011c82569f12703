package dev.meshbox.webui;

/**
 * One cluster of a multi-cluster mesh as the UI shows it: its name ({@code topology.istio.io/cluster}), network
 * ({@code topology.istio.io/network}, empty on one network) and the cluster as a mesh of its own, with its own control
 * plane, config and pods, as each of Istio's primary clusters has its own istiod and API server.
 */
public record UiCluster(String name, String network, UiMesh mesh) {
    public UiCluster {
        network = network == null ? "" : network;
    }
}
