package dev.meshbox.launcher.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshbox.controlplane.config.IstioParser;
import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.admin.ControlPlaneClient;
import dev.meshbox.launcher.backend.GatewayDeployments;
import dev.meshbox.launcher.docker.MeshNetwork.Container;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Istio's automated deployment for Gateway API Gateways, on Docker: a Gateway of class {@code istio} gets a gateway
 * container like the ingress gateway's, labelled as Istio's deployment template labels the pod, with the network alias
 * {@code <name>-istio} and the listeners' ports, so the registry reads a pod and a Service {@code <name>-istio} from
 * the engine as for any other pod. The first listener's port (8080 for 80) is published on the host. A deleted
 * Gateway's container is removed; a Gateway whose listener ports change gets a new one, as the ports are the
 * container's labels.
 */
final class DockerGatewayDeployments implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(90);

    /** A Gateway's running container, and where the host reaches its first listener. */
    record Deployed(KubeGateway gateway, String pod, String container, InetSocketAddress published) {}

    /** What every gateway container runs and how it is watched. */
    record Settings(String image, OptionalLong seed, PrintStream progress) {}

    private final MeshNetwork network;
    private final ControlPlaneClient controlPlane;
    private final DeathWatch deathWatch;
    private final Settings settings;
    private final IstioParser parser = new IstioParser();
    private final Map<String, Deployed> deployed = new LinkedHashMap<>();
    private ScheduledExecutorService follower;

    DockerGatewayDeployments(
            MeshNetwork network, ControlPlaneClient controlPlane, DeathWatch deathWatch, Settings settings) {
        this.network = network;
        this.controlPlane = controlPlane;
        this.deathWatch = deathWatch;
        this.settings = settings;
    }

    /**
     * Starts and removes containers so that they match the control plane's Gateways, and returns once the registry has
     * the new pods ready, has dropped the removed ones, and every proxy has ACKed its config.
     */
    synchronized void sync() throws InterruptedException {
        List<KubeGateway> applied = parser.parse("debug/configz", controlPlane.configz()).resources().stream()
                .filter(KubeGateway.class::isInstance)
                .map(KubeGateway.class::cast)
                .toList();
        Map<String, KubeGateway> current = new LinkedHashMap<>();
        deployed.forEach((key, d) -> current.put(key, d.gateway()));
        GatewayDeployments.Diff diff = GatewayDeployments.diff(current, applied);
        if (diff.isEmpty()) {
            return;
        }
        List<String> gone = new ArrayList<>();
        List<KubeGateway> start = new ArrayList<>(diff.added());
        List<String> stop = new ArrayList<>(diff.removed());
        // The Service's ports are the container's labels: new ports, new container.
        diff.changed().forEach(gw -> stop.add(GatewayDeployments.key(gw)));
        start.addAll(diff.changed());
        for (String key : stop) {
            Deployed d = deployed.remove(key);
            deathWatch.retire(d.container());
            network.remove(d.container());
            if (diff.removed().contains(key)) {
                gone.add(d.pod()); // a redeployed Gateway's new pod has the old one's name
            }
            settings.progress()
                    .printf(
                            "pod %-36s removed gateway %s%n",
                            d.pod(), d.gateway().meta().name());
        }
        List<Deployed> started = new ArrayList<>();
        for (KubeGateway gw : start) {
            Deployed d = deploy(gw);
            deployed.put(GatewayDeployments.key(gw), d);
            started.add(d);
        }
        Wait.atMost(READY).pollingEvery(Duration.ofMillis(200)).until("the Gateways' deployments", () -> {
            deathWatch.check();
            return notReadyBecause(started, gone);
        });
        for (Deployed d : started) {
            settings.progress()
                    .printf(
                            "pod %-36s ready  gateway %s on %s:%d%n",
                            d.pod(),
                            d.gateway().meta().name(),
                            d.published().getHostString(),
                            d.published().getPort());
        }
    }

    /**
     * From now on also deploys for config applied to the control plane directly ({@code meshbox apply} to the admin
     * API while {@code up} runs), looking every 2 s; failures are warnings on the progress stream.
     */
    void follow() {
        follower = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshbox-docker-gateway-deployments");
            t.setDaemon(true);
            return t;
        });
        follower.scheduleWithFixedDelay(this::syncQuietly, 2, 2, TimeUnit.SECONDS);
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            settings.progress().println("warning: deploying the Gateways' gateways: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.shutdownNow();
        }
    }

    private Deployed deploy(KubeGateway gw) {
        String pod = GatewayDeployments.podName(gw);
        MeshService service = GatewayDeployments.service(gw);
        Map<String, String> podLabels = GatewayDeployments.labels(gw);
        Map<String, String> labels = new LinkedHashMap<>(podLabels);
        labels.put(DockerRegistry.ROLE, "gateway");
        labels.put(DockerRegistry.POD, pod);
        labels.put(DockerRegistry.NAMESPACE, gw.meta().namespace());
        labels.put(
                DockerRegistry.PORTS,
                service.ports().stream()
                        .map(p -> p.port() + ":" + p.targetPort())
                        .collect(Collectors.joining(",")));
        int listener = service.ports().get(0).targetPort();
        String container = network.start(Container.of(
                        settings.image(),
                        network.containerName(pod + "." + gw.meta().namespace()),
                        network.labels("gateway", labels))
                .withCommand(Commands.proxy("gateway", pod, gw.meta().namespace(), podLabels, 0, settings.seed()))
                .withHost(network.attached().withPortBindings(MeshNetwork.publish(listener, 0)))
                .exposing(listener)
                .withAliases(List.of(gw.deploymentName())));
        return new Deployed(
                gw, pod, container, new InetSocketAddress("127.0.0.1", network.hostPort(container, listener)));
    }

    private Optional<String> notReadyBecause(List<Deployed> started, List<String> gone) {
        Map<String, Boolean> ready = new LinkedHashMap<>();
        for (JsonNode p : controlPlane.pods()) {
            ready.put(p.path("name").asText(), p.path("ready").asBoolean());
        }
        for (Deployed d : started) {
            if (!ready.getOrDefault(d.pod(), false)) {
                return Optional.of(
                        "pod " + d.pod() + " of Gateway " + d.gateway().meta().name() + " is not ready");
            }
        }
        for (String pod : gone) {
            if (ready.containsKey(pod)) {
                return Optional.of("pod " + pod + " is still in the registry");
            }
        }
        return controlPlane.lagging().map(why -> "not every proxy has ACKed its config: " + why);
    }

    /** The deployed gateway whose pod or Service ({@code <name>-istio}) is {@code workload}. */
    synchronized Optional<Deployed> find(String workload) {
        return deployed.values().stream()
                .filter(d ->
                        d.pod().equals(workload) || d.gateway().deploymentName().equals(workload))
                .findFirst();
    }

    synchronized List<Deployed> deployed() {
        return List.copyOf(deployed.values());
    }
}
