package dev.meshbox.controlplane.config;

/**
 * Istio's {@code meshConfig.outboundTrafficPolicy.mode}: what a sidecar does with a request for a host the mesh does
 * not know. ALLOW_ANY (Istio's default) passes it to its original destination through {@code PassthroughCluster};
 * REGISTRY_ONLY refuses it: HTTP with a 502 from the {@code block_all} route, other traffic into
 * {@code BlackHoleCluster}.
 */
public enum OutboundTrafficPolicy {
    ALLOW_ANY,
    REGISTRY_ONLY
}
