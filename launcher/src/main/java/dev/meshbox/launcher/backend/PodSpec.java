package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pod to start: its Deployment-style name, labels, the port its app listens on, and how to make the app, in this
 * JVM ({@code appFactory}, local backend) or as a container ({@code container}, Docker backend).
 *
 * @param name           the pod name as Kubernetes would show it ({@code reviews-v2-7d9f8c6b5-x4k2q})
 * @param serviceAccount the service account it runs as: its SPIFFE identity in the mesh's certificates
 * @param sidecar        false for a pod without a sidecar (Istio's {@code legacy} namespace): its app listens on the
 *                       pod IP itself and its calls leave it unproxied (on Docker: the app's container alone, on
 *                       the mesh network)
 * @param proxyConfig    Istio's ProxyConfig for its sidecar as JSON (the pod template's {@code proxy.istio.io/config}
 *                       annotation, which the injector bakes into the sidecar's bootstrap); empty for none
 */
public record PodSpec(
        String name,
        String namespace,
        Map<String, String> labels,
        int containerPort,
        Function<AppContext, Workload> appFactory,
        ContainerApp container,
        String serviceAccount,
        boolean sidecar,
        String proxyConfig) {

    public PodSpec {
        serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
        proxyConfig = proxyConfig == null ? "" : proxyConfig;
    }

    public PodSpec(
            String name,
            String namespace,
            Map<String, String> labels,
            int containerPort,
            Function<AppContext, Workload> appFactory,
            ContainerApp container,
            String serviceAccount,
            boolean sidecar) {
        this(name, namespace, labels, containerPort, appFactory, container, serviceAccount, sidecar, "");
    }

    /** A pod with a sidecar, running as its namespace's {@code default} service account. */
    public PodSpec(
            String name,
            String namespace,
            Map<String, String> labels,
            int containerPort,
            Function<AppContext, Workload> appFactory,
            ContainerApp container) {
        this(name, namespace, labels, containerPort, appFactory, container, "default", true);
    }

    /** How the pod's app runs in a container. */
    public sealed interface ContainerApp {}

    /**
     * No app: a client pod (sleep, fortio) is only a sidecar to send from; without a sidecar, only a pod to send from
     * (on Docker a container that just waits, as a pod's pause container). {@code proxylessGrpc}: its gRPC calls are a
     * proxyless gRPC client's, routed by the control plane over xDS (it has no sidecar).
     */
    public record NoApp(boolean proxylessGrpc) implements ContainerApp {
        public NoApp() {
            this(false);
        }
    }

    /** MeshBox's app runner ({@code dev.meshbox.bookinfo.Main}) from the MeshBox image, with these arguments. */
    public record BuiltinApp(List<String> args) implements ContainerApp {}

    /** The user's own image, told where its sidecar is through {@code HTTP_PROXY} and where to listen through {@code PORT}. */
    public record ImageApp(String image, Map<String, String> env) implements ContainerApp {}

    /**
     * No app: a gateway pod, its proxy in the gateway role (Istio's gateway deployment), serving the Gateways whose
     * selector matches its labels.
     */
    public record GatewayProxy() implements ContainerApp {}

    /**
     * A server jar from this machine (an addon's, e.g. Zipkin's exec jar) run by the MeshBox image's {@code java}, the
     * jar mounted read-only (never pulled, never copied into an image), the pod's port also published on 127.0.0.1 at
     * {@code hostPort} (0: a free port); {@code published} is told that host address once the container runs. Docker
     * backend only.
     */
    public record HostJar(
            java.nio.file.Path jar,
            List<String> jvmArgs,
            List<String> args,
            int hostPort,
            java.util.function.Consumer<java.net.InetSocketAddress> published)
            implements ContainerApp {}

    /** An app that cannot run as a container, with the reason. */
    public record NotInContainers(String reason) implements ContainerApp {}

    public String appLabel() {
        return labels.getOrDefault("app", name);
    }

    public String version() {
        return labels.getOrDefault("version", "unknown");
    }
}
