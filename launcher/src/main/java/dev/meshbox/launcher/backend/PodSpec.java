package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import java.util.Map;
import java.util.function.Function;

/**
 * A pod to start: its Deployment-style name, labels, the port its app listens on, and how to make the app.
 *
 * @param name the pod name as Kubernetes would show it ({@code reviews-v2-7d9f8c6b5-x4k2q})
 */
public record PodSpec(String name, String namespace, Map<String, String> labels, int containerPort,
                      Function<AppContext, Workload> appFactory) {

    public String appLabel() {
        return labels.getOrDefault("app", name);
    }

    public String version() {
        return labels.getOrDefault("version", "unknown");
    }
}
