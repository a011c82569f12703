package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.docker.DockerMesh.StartedPod;
import dev.meshbox.launcher.docker.MeshNetwork.Container;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Starts a Docker mesh's pods: per pod a sidecar container owning the pod's network namespace plus an app container
 * joining it; a pod without a sidecar as its app's container alone; a gateway pod (the mesh's istio-ingressgateway, a
 * user's gateway deployment) as a {@link GatewayContainer} with its ports published.
 */
final class DockerPods {

    private final DockerClient docker;
    private final MeshNetwork network;
    private final String image;
    private final OptionalLong seed;
    private final PrintStream progress;
    /** The user's gateway pods by pod name: where the host reaches each published port. */
    private final Map<String, GatewayContainer.Started> gatewayPods = new LinkedHashMap<>();

    DockerPods(DockerClient docker, MeshNetwork network, String image, OptionalLong seed, PrintStream progress) {
        this.docker = docker;
        this.network = network;
        this.image = image;
        this.seed = seed;
        this.progress = progress;
    }

    /** A user's gateway pod started here, by pod name. */
    Optional<GatewayContainer.Started> gateway(String pod) {
        return Optional.ofNullable(gatewayPods.get(pod));
    }

    /** Fails with the reason when a pod cannot run in containers. */
    static void checkRunnable(List<PodSpec> pods) {
        for (PodSpec p : pods) {
            if (p.container() instanceof PodSpec.NotInContainers n) {
                throw new IllegalArgumentException(n.reason());
            }
        }
    }

    /** The gateway pod in {@code container} after it joined another network, its published ports read again. */
    void republished(String container) {
        gatewayPods.replaceAll((pod, g) -> g.container().equals(container) ? g.republished(network) : g);
    }

    /** The mesh's istio-ingressgateway, its Service's pod ports published (8080 on the ingress port). */
    GatewayContainer.Started startIngressGateway(int ingressPort) {
        return GatewayContainer.start(
                network,
                image,
                "istio-ingressgateway",
                new GatewayContainer.Spec(
                        "istio-ingressgateway",
                        "istio-system",
                        null,
                        Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"),
                        "",
                        GatewayContainer.INGRESS_PORTS,
                        Map.of(8080, ingressPort),
                        List.of()),
                seed);
    }

    /** A user's gateway deployment: a gateway container with its labels, its Service's pod ports published. */
    private StartedPod startGatewayPod(PodSpec ps, List<MeshService> services) {
        List<Integer> podPorts = services.stream()
                .filter(s -> s.namespace().equals(ps.namespace()) && s.selects(ps.labels()))
                .flatMap(s -> s.ports().stream().map(p -> p.targetPort()))
                .distinct()
                .toList();
        GatewayContainer.Started started = GatewayContainer.start(
                network,
                image,
                ps.name() + "." + ps.namespace(),
                new GatewayContainer.Spec(
                        ps.name(),
                        ps.namespace(),
                        ps.serviceAccount(),
                        ps.labels(),
                        String.join(",", servicePorts(ps, services)),
                        podPorts,
                        Map.of(),
                        aliases(ps, services)),
                seed);
        gatewayPods.put(ps.name(), started);
        progress.printf(
                "pod %-36s started gateway (%s, ports %s on 127.0.0.1:%s)%n",
                ps.name(),
                started.ip(),
                started.published().keySet(),
                started.published().values());
        return new StartedPod(
                ps, started.container(), null, started.ip(), started.at(ps.name(), ps.containerPort()), false);
    }

    StartedPod start(PodSpec ps, List<MeshService> services) {
        if (ps.container() instanceof PodSpec.GatewayProxy) {
            return startGatewayPod(ps, services);
        }
        if (!ps.sidecar()) {
            return startWithoutSidecar(ps, services);
        }
        List<String> aliases = aliases(ps, services);
        Map<String, String> sidecarLabels = new LinkedHashMap<>(ps.labels());
        sidecarLabels.put(DockerRegistry.ROLE, DockerRegistry.SIDECAR);
        sidecarLabels.put(DockerRegistry.POD, ps.name());
        sidecarLabels.put(DockerRegistry.NAMESPACE, ps.namespace());
        sidecarLabels.put(DockerRegistry.SERVICE_ACCOUNT, ps.serviceAccount());
        sidecarLabels.put(DockerRegistry.PORTS, String.join(",", servicePorts(ps, services)));
        boolean hasApp = !(ps.container() instanceof PodSpec.NoApp);
        // The sidecar runs as 1337, the uid the capture rules exempt, and may bind any service port, as Envoy may.
        String sidecar = network.start(Container.of(
                        image, network.containerName(ps.name()), network.labels("sidecar", sidecarLabels))
                .withCommand(Commands.withProxyConfig(
                        Commands.proxy(
                                "sidecar",
                                ps.name(),
                                ps.namespace(),
                                ps.labels(),
                                hasApp ? ps.containerPort() : 0,
                                seed),
                        ps.proxyConfig()))
                .withHost(network.attached()
                        .withPortBindings(MeshNetwork.publish(15001, 0))
                        .withSysctls(Map.of("net.ipv4.ip_unprivileged_port_start", "0")))
                .exposing(15001)
                .withAliases(aliases));
        String ip = network.ip(sidecar);
        boolean captured = hasApp && TrafficCapture.wanted() && capture(ps, sidecar, ip);
        InetSocketAddress outbound = new InetSocketAddress("127.0.0.1", network.hostPort(sidecar, 15001));
        String app = startApp(ps, sidecar, ip, captured);
        progress.printf(
                "pod %-36s started %s (%s%s)%n",
                ps.name(), ps.labels().getOrDefault("version", "client"), ip, captured ? ", iptables capture" : "");
        return new StartedPod(ps, sidecar, app, ip, outbound, captured);
    }

    /**
     * A pod Istio did not inject: its app's container alone on the mesh network, listening on the pod IP, its calls
     * leaving unproxied; a client pod (sleep in {@code legacy}) is a container that only waits, so the pod exists to
     * send from ({@link DockerMesh#directTarget}).
     */
    private StartedPod startWithoutSidecar(PodSpec ps, List<MeshService> services) {
        Map<String, String> labels = new LinkedHashMap<>(ps.labels());
        labels.put(DockerRegistry.ROLE, DockerRegistry.NO_SIDECAR);
        labels.put(DockerRegistry.POD, ps.name());
        labels.put(DockerRegistry.NAMESPACE, ps.namespace());
        labels.put(DockerRegistry.SERVICE_ACCOUNT, ps.serviceAccount());
        labels.put(DockerRegistry.PORTS, String.join(",", servicePorts(ps, services)));
        if (!(ps.container() instanceof PodSpec.NoApp)) {
            // The registry calls the pod ready once its app accepts connections here, as a proxy's probe would.
            labels.put(DockerRegistry.APP_PORT, Integer.toString(ps.containerPort()));
        }
        String name = network.containerName(ps.name());
        if (ps.container() instanceof PodSpec.HostJar jar) {
            return HostJarPod.start(network, image, ps, jar, labels, aliases(ps, services), progress);
        }
        Container pod = ps.container() instanceof PodSpec.ImageApp u
                ? Container.of(u.image(), name, network.labels("pod", labels))
                        .withEnv(Commands.imageAppEnvWithoutSidecar(ps, u))
                : Container.of(image, name, network.labels("pod", labels))
                        .withCommand(
                                ps.container() instanceof PodSpec.BuiltinApp b
                                        ? Commands.builtinAppWithoutSidecar(ps, b)
                                        : Commands.pause());
        String id = network.start(pod.withHost(network.attached()).withAliases(aliases(ps, services)));
        String ip = network.ip(id);
        progress.printf(
                "pod %-36s started %s (%s, no sidecar)%n",
                ps.name(), ps.labels().getOrDefault("version", "client"), ip);
        return new StartedPod(ps, null, id, ip, null, false);
    }

    /** The names of the services that select the pod in its namespace: its network aliases. */
    private static List<String> aliases(PodSpec ps, List<MeshService> services) {
        return services.stream()
                .filter(s -> s.namespace().equals(ps.namespace()) && s.selects(ps.labels()))
                .map(MeshService::name)
                .toList();
    }

    /**
     * {@code 8000:8080/http} per port of the services that select the pod, as {@link DockerRegistry#PORTS} takes them:
     * the name selects the protocol, as a Kubernetes Service port's does.
     */
    private static List<String> servicePorts(PodSpec ps, List<MeshService> services) {
        return services.stream()
                .filter(s -> s.namespace().equals(ps.namespace()) && s.selects(ps.labels()))
                .flatMap(s -> s.ports().stream()
                        .map(p -> p.port() + ":" + p.targetPort() + (p.name().isEmpty() ? "" : "/" + p.name())))
                .distinct()
                .toList();
    }

    /** Installs the pod's capture rules; false, with a progress line saying why, when they cannot be. */
    private boolean capture(PodSpec ps, String sidecar, String ip) {
        Optional<String> why = TrafficCapture.install(
                docker,
                image,
                network.containerName(ps.name() + "-init"),
                network.labels("init", Map.of(DockerRegistry.ROLE, "init")),
                sidecar,
                ip);
        why.ifPresent(reason -> progress.printf(
                "pod %s: no transparent capture (%s); its app is pointed at its sidecar%n",
                ps.name(), reason.lines().findFirst().orElse(reason)));
        return why.isEmpty();
    }

    /** The pod's app container, in its sidecar's network namespace; null for a client pod, which has none. */
    private String startApp(PodSpec ps, String sidecar, String ip, boolean captured) {
        String name = network.containerName(ps.name() + "-app");
        Map<String, String> labels =
                network.labels("app", Map.of(DockerRegistry.ROLE, "app", DockerRegistry.POD, ps.name()));
        if (ps.container() instanceof PodSpec.BuiltinApp b) {
            return network.start(Container.of(image, name, labels)
                    .withCommand(Commands.builtinApp(ps, b, ip))
                    .withHost(MeshNetwork.joining(sidecar)));
        }
        if (ps.container() instanceof PodSpec.ImageApp u) {
            return network.start(Container.of(u.image(), name, labels)
                    .withHost(MeshNetwork.joining(sidecar))
                    .withEnv(Commands.imageAppEnv(ps, u, ip, captured)));
        }
        return null;
    }
}
