package dev.meshbox.proxy.stats;

import java.util.Map;

/**
 * Who is at one end of a request, as Istio's metric labels name it. Missing parts are {@code unknown}.
 *
 * @param name the workload name (e.g. {@code reviews-v1})
 * @param pod  the pod name
 * @param cluster its cluster id ({@code source_cluster}, {@code destination_cluster}; Istio's
 *     {@code ISTIO_META_CLUSTER_ID}): the pod's {@code topology.istio.io/cluster} label, else Istio's default
 *     {@code Kubernetes}
 */
public record Workload(String name, String namespace, String app, String version, String pod, String cluster) {

    public static final String UNKNOWN = "unknown";
    /** The label naming a pod's cluster (Istio's {@code topology.istio.io/cluster}). */
    public static final String CLUSTER_LABEL = "topology.istio.io/cluster";
    /** Istio's cluster id when none is configured. */
    public static final String DEFAULT_CLUSTER = "Kubernetes";

    public static final Workload NONE = new Workload(null, null, null, null, null, null);

    public Workload {
        name = orUnknown(name);
        namespace = orUnknown(namespace);
        app = orUnknown(app);
        version = orUnknown(version);
        pod = orUnknown(pod);
        cluster = orUnknown(cluster);
    }

    /** A workload of Istio's default cluster ({@code Kubernetes}). */
    public Workload(String name, String namespace, String app, String version, String pod) {
        this(name, namespace, app, version, pod, DEFAULT_CLUSTER);
    }

    /** The cluster a pod's labels name, else Istio's default. */
    public static String clusterOf(Map<String, String> labels) {
        String c = labels.get(CLUSTER_LABEL);
        return c == null || c.isEmpty() ? DEFAULT_CLUSTER : c;
    }

    /** This workload in {@code value}'s cluster (kept when {@code value} is empty). */
    public Workload inCluster(String value) {
        return value == null || value.isEmpty() ? this : new Workload(name, namespace, app, version, pod, value);
    }

    /** From pod labels the way Istio does: workload {@code app-version}, else {@code app}, else the pod name. */
    public static Workload of(String pod, String namespace, Map<String, String> labels, String workload) {
        String app = labels.get("app");
        String version = labels.get("version");
        String name = workload != null && !workload.isEmpty() ? workload : workloadName(pod, labels);
        return new Workload(name, namespace, app, version, pod, clusterOf(labels));
    }

    /** Istio's WORKLOAD_NAME for a pod: {@code app-version}, else {@code app}, else the pod name. */
    public static String workloadName(String pod, Map<String, String> labels) {
        String app = labels.get("app");
        String version = labels.get("version");
        return app != null && version != null ? app + "-" + version : app != null ? app : pod;
    }

    static String orUnknown(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : s;
    }
}
