package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.TestApps;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.Scenario;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The built-in workload {@code tcp-echo}, as Istio's {@code samples/tcp-echo/tcp-echo-services.yaml} deploys it:
 * Service {@code tcp-echo} with port 9000 named {@code tcp} (so Istio's protocol selection makes it opaque TCP), and
 * Deployments {@code tcp-echo-v1} and {@code tcp-echo-v2} answering each line prefixed {@code one} and {@code two}.
 */
final class TcpEchoWorkload {

    /** The Service and container port. */
    static final int PORT = 9000;

    private TcpEchoWorkload() {}

    static void add(Scenario.Builtin w, Consumer<MeshService> services, Consumer<PodSpec> pods) {
        services.accept(new MeshService(
                "tcp-echo",
                w.namespace(),
                List.of(ServicePort.of("tcp", PORT, PORT, null)),
                Map.of("app", "tcp-echo")));
        for (String version : List.of("v1", "v2")) {
            pods.accept(new PodSpec(
                    MeshSpec.podName("tcp-echo-" + version, w.namespace(), 0),
                    w.namespace(),
                    Map.of("app", "tcp-echo", "version", version),
                    PORT,
                    TestApps::tcpEcho,
                    new PodSpec.BuiltinApp(List.of("--service", "tcp-echo", "--version", version)),
                    BuiltinWorkloads.serviceAccount(w, "tcp-echo"),
                    w.sidecar()));
        }
    }
}
