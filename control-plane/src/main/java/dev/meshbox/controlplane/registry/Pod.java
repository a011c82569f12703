package dev.meshbox.controlplane.registry;

import java.util.Map;

/**
 * A pod as the control plane sees it.
 *
 * @param ip         the pod IP: where its sidecar listens and what EDS hands out
 * @param appAddress where its application listens, reached only by its own sidecar (the pod's "localhost")
 * @param role       whether it runs a sidecar, is a gateway, or has no proxy at all
 * @param ready      whether it is ready to receive traffic (not-ready pods are left out of EDS)
 * @param serviceAccount the Kubernetes service account it runs as, its identity in the mesh's certificates
 *                   ({@code default} when none is given, as Kubernetes does)
 */
public record Pod(
        String name,
        String namespace,
        String ip,
        String appAddress,
        Map<String, String> labels,
        ProxyKind role,
        boolean ready,
        String serviceAccount) {

    public enum ProxyKind {
        SIDECAR,
        GATEWAY,
        NONE
    }

    public static final String DEFAULT_SERVICE_ACCOUNT = "default";

    public Pod {
        labels = Map.copyOf(labels);
        serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? DEFAULT_SERVICE_ACCOUNT : serviceAccount;
    }

    /** A pod running as its namespace's {@code default} service account. */
    public Pod(
            String name,
            String namespace,
            String ip,
            String appAddress,
            Map<String, String> labels,
            ProxyKind role,
            boolean ready) {
        this(name, namespace, ip, appAddress, labels, role, ready, DEFAULT_SERVICE_ACCOUNT);
    }

    /** Its SPIFFE identity: {@code spiffe://cluster.local/ns/<namespace>/sa/<service account>}. */
    public String spiffeId() {
        return "spiffe://cluster.local/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /** The xDS node id its proxy uses, as Istio writes it. */
    public String nodeId() {
        String type = role == ProxyKind.GATEWAY ? "router" : "sidecar";
        return type + "~" + ip + "~" + name + "." + namespace + "~" + namespace + ".svc.cluster.local";
    }

    public String app() {
        return labels.getOrDefault("app", labels.getOrDefault("istio", name));
    }

    public String version() {
        return labels.getOrDefault("version", "unknown");
    }

    /** The workload (Deployment) name Istio's telemetry uses: {@code reviews-v2}, or the app when unversioned. */
    public String workload() {
        String version = labels.get("version");
        return version == null ? app() : app() + "-" + version;
    }

    public Pod withReady(boolean value) {
        return new Pod(name, namespace, ip, appAddress, labels, role, value, serviceAccount);
    }
}
