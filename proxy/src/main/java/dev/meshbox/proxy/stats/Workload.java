package dev.meshbox.proxy.stats;

import java.util.Map;

/**
 * Who is at one end of a request, as Istio's metric labels name it. Missing parts are {@code unknown}.
 *
 * @param name the workload name (e.g. {@code reviews-v1})
 * @param pod  the pod name
 */
public record Workload(String name, String namespace, String app, String version, String pod) {

    public static final String UNKNOWN = "unknown";
    public static final Workload NONE = new Workload(null, null, null, null, null);

    public Workload {
        name = orUnknown(name);
        namespace = orUnknown(namespace);
        app = orUnknown(app);
        version = orUnknown(version);
        pod = orUnknown(pod);
    }

    /** From pod labels the way Istio does: workload {@code app-version}, else {@code app}, else the pod name. */
    public static Workload of(String pod, String namespace, Map<String, String> labels, String workload) {
        String app = labels.get("app");
        String version = labels.get("version");
        String name = workload != null && !workload.isEmpty() ? workload : workloadName(pod, labels);
        return new Workload(name, namespace, app, version, pod);
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
