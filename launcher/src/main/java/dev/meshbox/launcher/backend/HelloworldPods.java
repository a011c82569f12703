package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.TestApps;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.Scenario;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Istio's helloworld sample ({@code samples/helloworld/helloworld.yaml}): Service {@code helloworld} port 5000 named
 * {@code http}, selector {@code app: helloworld}, and a Deployment {@code helloworld-<version>} per version with labels
 * {@code app: helloworld, version: <version>} listening on 5000. Built-ins {@code helloworld} (v1 and v2),
 * {@code helloworld-v1} and {@code helloworld-v2}, the last two as Istio's multi-cluster verify step places one version
 * per cluster.
 */
final class HelloworldPods {

    static final int PORT = 5000;

    private HelloworldPods() {}

    /** Something that takes a service: name, namespace, port and selector. */
    interface Services {
        void add(String name, String namespace, ServicePort port, Map<String, String> selector);
    }

    static void add(Scenario.Builtin w, List<String> versions, Services services, Consumer<PodSpec> pods) {
        services.add(
                "helloworld", w.namespace(), new ServicePort("http", PORT, PORT, "HTTP"), Map.of("app", "helloworld"));
        for (String version : versions) {
            pods.accept(new PodSpec(
                    MeshSpec.podName("helloworld-" + version, w.namespace(), 0),
                    w.namespace(),
                    Map.of("app", "helloworld", "version", version),
                    PORT,
                    TestApps::helloworld,
                    new PodSpec.BuiltinApp(List.of("--service", "helloworld", "--version", version)),
                    BuiltinWorkloads.serviceAccount(w, "default"),
                    w.sidecar()));
        }
    }
}
