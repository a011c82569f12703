package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.admin.RemoteMesh;
import dev.meshbox.launcher.backend.LocalPorts;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.docker.MeshNetwork.Container;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.DockerJanitor;
import dev.meshbox.launcher.image.AppImage;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A mesh as Docker containers on a network of its own: the control plane (istiod's place, reading the engine for its
 * registry), the ingress gateway published on the host, and per pod a sidecar container that owns the pod's network
 * namespace plus an app container that joins it (a pod without a sidecar: its app's container alone, on the network); a Gateway API Gateway applied through it gets a gateway container
 * ({@link DockerGatewayDeployments}). Every container is labelled with the mesh id and this process as
 * owner, removed by {@link #close()}, and removed by the next run's janitor if this process is killed.
 */
public final class DockerMesh extends RemoteMesh {

    /**
     * How a Docker mesh publishes itself on the host.
     *
     * @param ingressPort host port (on 127.0.0.1) of the ingress gateway's 8080; 0 picks a free one
     * @param adminPort   host port of the control plane's admin API (15014 in the container); 0 picks a free one
     * @param meshConfig  the mesh config the control plane runs with (outboundTrafficPolicy, extensionProviders)
     */
    public record Options(OptionalLong seed, int ingressPort, int adminPort, MeshConfigFile.Settings meshConfig) {
        public Options(OptionalLong seed, int ingressPort, int adminPort) {
            this(seed, ingressPort, adminPort, MeshConfigFile.Settings.DEFAULTS);
        }

        public Options withMeshConfig(MeshConfigFile.Settings value) {
            return new Options(seed, ingressPort, adminPort, value);
        }

        /** What {@code meshbox up --backend docker} uses: the ingress on 127.0.0.1:8080, the admin API on 15014. */
        public static Options standard(OptionalLong seed) {
            return new Options(seed, 8080, AdminServer.PORT);
        }

        /** Free host ports, so meshes (and a running {@code up}) can share a machine. */
        public static Options isolated(OptionalLong seed) {
            return new Options(seed, 0, 0);
        }
    }

    /**
     * A started pod: its containers, its IP on the mesh network, and where the host reaches its sidecar's outbound
     * listener. A pod without a sidecar has only its app's container ({@code appId}; a waiting one for a client) and no
     * outbound listener: {@code sidecarId} and {@code outbound} are null.
     */
    public record StartedPod(
            PodSpec spec, String sidecarId, String appId, String ip, InetSocketAddress outbound, boolean captured) {}

    private static final Duration READY = Duration.ofSeconds(120);
    /** The control plane container's ADS port. */
    private static final int XDS_PORT = 15010;

    private final DockerClient docker;
    private final String meshId;
    private final MeshNetwork network;
    private final Map<String, StartedPod> pods = new LinkedHashMap<>();
    private final PrintStream progress;
    private InetSocketAddress ingress;
    private InetSocketAddress xds;
    private GatewayContainer.Started ingressGateway;
    private DockerPods podStarter;

    private String image;
    private DeathWatch deathWatch;
    private DockerGatewayDeployments gateways;
    /** This mesh's place among several clusters ({@link DockerClusters}); null for a mesh alone. */
    private final DockerClusters.Member cluster;

    private DockerMesh(DockerClient docker, String meshId, DockerClusters.Member cluster, PrintStream progress) {
        super("meshbox-docker-cleanup");
        this.docker = docker;
        this.meshId = meshId;
        this.cluster = cluster;
        this.network = new MeshNetwork(docker, meshId, cleanup);
        this.progress = progress;
    }

    /** Starts a mesh and returns once every pod is ready and every proxy has ACKed its config; on failure nothing is left behind. */
    public static DockerMesh start(MeshSpec spec, Options options, PrintStream progress) throws InterruptedException {
        return start(spec, options, DockerClusters.newMeshId(), null, progress);
    }

    /** As above, as mesh {@code meshId} and, when {@code cluster} is not null, as one of several clusters. */
    static DockerMesh start(
            MeshSpec spec, Options options, String meshId, DockerClusters.Member cluster, PrintStream progress)
            throws InterruptedException {
        for (PodSpec p : spec.pods()) {
            if (p.container() instanceof PodSpec.NotInContainers n) {
                throw new IllegalArgumentException(n.reason());
            }
        }
        DockerClient docker = DockerEngine.client();
        DockerJanitor.Removed removed = new DockerJanitor(docker).removeStale();
        if (removed.any()) {
            progress.printf(
                    "removed %d container(s) and %d network(s) left by a killed run%n",
                    removed.containers(), removed.networks());
        }
        checkFree(options.ingressPort(), "the ingress gateway");
        checkFree(options.adminPort(), "the control plane's admin API");
        AppImage.Image image = AppImage.ensure(docker, progress);
        DockerMesh mesh = new DockerMesh(docker, meshId, cluster, progress);
        try {
            mesh.boot(spec, options, image.tag());
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            mesh.closeAfterFailedStart(e);
            throw e;
        }
    }

    private static void checkFree(int port, String what) {
        if (port != 0 && LocalPorts.inUse(port)) {
            throw new IllegalStateException(
                    "port " + port + " is already in use on 127.0.0.1; the docker backend publishes " + what
                            + " there. Is another mesh or program running? Stop it, or use ./meshbox run, which needs no fixed ports");
        }
    }

    private void boot(MeshSpec spec, Options options, String image) throws InterruptedException {
        this.image = image;
        long t0 = System.nanoTime();
        network.create();
        progress.printf("network %s created%n", network.name());

        String cp = startControlPlane(spec, options, image);
        connect(URI.create("http://127.0.0.1:" + network.hostPort(cp, AdminServer.PORT)));
        xds = new InetSocketAddress("127.0.0.1", network.hostPort(cp, XDS_PORT));
        deathWatch = new DeathWatch(docker, meshId, progress);
        awaitControlPlane(cp);
        progress.printf(
                "control plane   container %s, admin API %s%n",
                network.containerName("istiod"), controlPlane().base());

        podStarter = new DockerPods(docker, network, image, options.seed(), progress);
        for (PodSpec ps : spec.pods()) {
            pods.put(ps.name(), podStarter.start(ps, spec.services()));
        }
        ingressGateway = podStarter.startIngressGateway(options.ingressPort());
        ingress = ingressGateway.at("istio-ingressgateway", 8080);
        var readiness =
                readiness(spec.pods().size() + 1, (pod, n, expected) -> progress.printf("pod %-36s ready%n", pod));
        Wait.atMost(READY).pollingEvery(Duration.ofMillis(200)).until("the mesh", () -> {
            deathWatch.check();
            return readiness.notReadyBecause();
        });
        gateways = new DockerGatewayDeployments(
                network,
                controlPlane(),
                deathWatch,
                new DockerGatewayDeployments.Settings(image, options.seed(), progress));
        deathWatch.start();
        // Pushed last, so it stops first: containers removed on the way out are no deaths to report.
        cleanup.push("the watch for stopped containers", deathWatch);
        progress.printf(
                "mesh ready in %.1f s (docker network %s, ingress %s:%d)%n",
                (System.nanoTime() - t0) / 1e9, network.name(), ingress.getHostString(), ingress.getPort());
    }

    private String startControlPlane(MeshSpec spec, Options options, String image) {
        // ADS too, on a free port: proxyless gRPC clients in this JVM take their xDS from it.
        HostConfig host = network.attached()
                .withPortBindings(MeshNetwork.publish(
                        List.of(AdminServer.PORT, XDS_PORT), Map.of(AdminServer.PORT, options.adminPort())));
        List<String> env = new ArrayList<>();
        URI engine = DockerEngine.host();
        if ("unix".equals(engine.getScheme())) {
            // The registry reads the engine, as registrator or Traefik do: the engine's socket, mounted.
            host.withBinds(new Bind(engine.getPath(), new Volume("/var/run/docker.sock")));
        } else {
            env.add("DOCKER_HOST=" + engine);
        }
        List<String> command =
                Commands.controlPlane(meshId, network.name(), spec.defaultConfigNames(), options.meshConfig());
        if (cluster != null) {
            command.addAll(cluster.controlPlaneArgs());
            host.withBinds(DockerClusters.withCacerts(host.getBinds(), cluster));
        }
        return network.start(Container.of(
                        image,
                        network.containerName("istiod"),
                        network.labels("control-plane", Map.of(DockerRegistry.ROLE, "control-plane")))
                .withCommand(command)
                .withHost(host)
                .withEnv(env)
                .exposing(List.of(AdminServer.PORT, XDS_PORT))
                .withAliases(List.of("istiod")));
    }

    private void awaitControlPlane(String container) throws InterruptedException {
        try {
            Wait.atMost(READY).until("the control plane", () -> {
                deathWatch.check();
                return controlPlane().unhealthyBecause();
            });
        } catch (Wait.TimedOut e) {
            throw new IllegalStateException(e.getMessage() + "\n" + DeathWatch.logTail(docker, container), e);
        }
    }

    /** Stops the watch for stopped containers first: gateways deployed after it started are removed on the way out. */
    @Override
    public void close() {
        if (deathWatch != null) {
            deathWatch.close();
        }
        super.close();
    }

    public String meshId() {
        return meshId;
    }

    /** For {@link DockerClusters}: a gateway pod's container, the admin API, the engine. */
    Optional<String> gatewayContainer(String pod) {
        return podStarter.gateway(pod).map(GatewayContainer.Started::container);
    }

    GatewayContainer.Started ingressGateway() {
        return ingressGateway;
    }

    dev.meshbox.launcher.admin.ControlPlaneClient adminClient() {
        return controlPlane();
    }

    DockerClient docker() {
        return docker;
    }

    public String network() {
        return network.name();
    }

    /**
     * An addon server from this machine's {@code binary} (Debian's {@code prometheus}), run on the MeshBox image as
     * container {@code name} in istio-system without a sidecar (not a mesh pod: the registry ignores it), the binary
     * mounted read-only at {@code /opt/addon/NAME}, {@code configDir} read-only at {@code /etc/meshbox-addon}, its
     * {@code port} published on 127.0.0.1 at {@code hostPort} (0: a free port); removed with the mesh. Returns where
     * this machine reaches it.
     */
    public InetSocketAddress startAddon(
            String name,
            java.nio.file.Path binary,
            java.nio.file.Path configDir,
            List<String> args,
            int port,
            int hostPort) {
        List<String> command = new ArrayList<>();
        command.add("/opt/addon/" + name);
        command.addAll(args);
        String id = network.start(Container.of(
                        image, network.containerName(name), network.labels("addon", Map.of("dev.meshbox.addon", name)))
                .withCommand(command)
                .withHost(network.attached()
                        .withBinds(
                                new Bind(
                                        binary.toAbsolutePath().toString(),
                                        new Volume("/opt/addon/" + name),
                                        com.github.dockerjava.api.model.AccessMode.ro),
                                new Bind(
                                        configDir.toAbsolutePath().toString(),
                                        new Volume("/etc/meshbox-addon"),
                                        com.github.dockerjava.api.model.AccessMode.ro))
                        .withPortBindings(MeshNetwork.publish(port, hostPort)))
                .exposing(port)
                .withAliases(List.of(name, name + ".istio-system", name + ".istio-system.svc.cluster.local")));
        InetSocketAddress published = new InetSocketAddress("127.0.0.1", network.hostPort(id, port));
        progress.printf("addon %s started (%s, port %d on %s)%n", name, network.ip(id), port, published);
        return published;
    }

    /**
     * The proxies as the registry knows them (sidecars and the ingress gateway, with their container IPs on the mesh
     * network), for an addon that scrapes them.
     */
    public List<dev.meshbox.controlplane.registry.Pod> proxies() {
        List<dev.meshbox.controlplane.registry.Pod> out = new ArrayList<>();
        for (StartedPod p : pods()) {
            if (p.sidecarId() != null) {
                out.add(new dev.meshbox.controlplane.registry.Pod(
                        p.spec().name(),
                        p.spec().namespace(),
                        p.ip(),
                        p.ip(),
                        p.spec().labels(),
                        dev.meshbox.controlplane.registry.Pod.ProxyKind.SIDECAR,
                        true));
            }
        }
        if (ingressGateway != null) {
            out.add(new dev.meshbox.controlplane.registry.Pod(
                    "istio-ingressgateway",
                    "istio-system",
                    ingressGateway.ip(),
                    ingressGateway.ip(),
                    Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"),
                    dev.meshbox.controlplane.registry.Pod.ProxyKind.GATEWAY,
                    true));
        }
        return out;
    }

    public List<StartedPod> pods() {
        return List.copyOf(pods.values());
    }

    /** Containers of this mesh that stopped, with their exit code and last log lines; empty while all run. */
    public Optional<String> deaths() {
        return deathWatch == null ? Optional.empty() : deathWatch.report();
    }

    // ---- MeshAccess: traffic through published ports (config and telemetry: RemoteMesh)

    /** Applies config, then deploys what its Gateway API Gateways want, as Istio's deployment controller does. */
    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        ApplyOutcome outcome = super.apply(config);
        if (outcome.ok()) {
            syncGateways();
        }
        return outcome;
    }

    @Override
    public void resetConfig() {
        super.resetConfig();
        syncGateways();
    }

    private void syncGateways() {
        try {
            gateways.sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deploying the Gateways' gateways", e);
        }
    }

    /**
     * Deploys for Gateways applied to the control plane directly too ({@code meshbox apply} while {@code up} runs),
     * not only for those applied through this object; {@code up} calls it.
     */
    public void followGateways() {
        gateways.follow();
        cleanup.push("the watch for applied Gateways", gateways);
    }

    /**
     * A proxyless gRPC client's pod is a container that only waits, on the mesh network; its grpc-java channel runs in
     * this JVM, takes its xDS from the control plane's published ADS port and calls the chosen pods at their IPs, which
     * the host reaches directly (Docker routes its bridge networks on Linux), as {@link #directTarget} does.
     */
    @Override
    public Optional<ProxylessClient> proxylessClient(String workload) {
        return started(workload)
                .filter(p -> p.spec().container() instanceof PodSpec.NoApp n && n.proxylessGrpc())
                .map(p -> new ProxylessClient(xds, p.spec().name(), p.spec().namespace(), p.ip()));
    }

    @Override
    public Optional<InetSocketAddress> adsServer() {
        return Optional.ofNullable(xds);
    }

    /** A gateway deployed for a Gateway API Gateway ({@code bookinfo-gateway-istio}) is entered at its listener. */
    @Override
    public boolean entersAtGateway(String workload) {
        return gateways.find(workload).isPresent()
                || started(workload)
                        .map(p -> p.spec().container() instanceof PodSpec.GatewayProxy)
                        .orElse(false);
    }

    /**
     * The host's way to a proxy's port: the ingress gateway's and a gateway pod's published ports (8443, 31400, ...);
     * a sidecar's outbound TCP listener on the pod IP, which the host reaches directly (Docker routes its bridge
     * networks on Linux), as {@link #directTarget} does.
     */
    @Override
    public InetSocketAddress proxyPort(String workload, int podPort) {
        if (workload.equals("ingress")) {
            return ingressGateway.at("istio-ingressgateway", podPort);
        }
        Optional<DockerGatewayDeployments.Deployed> deployed = gateways.find(workload);
        if (deployed.isPresent()) {
            return deployed.get().published();
        }
        Optional<StartedPod> pod = started(workload);
        Optional<GatewayContainer.Started> gatewayPod =
                pod.flatMap(p -> podStarter.gateway(p.spec().name()));
        if (gatewayPod.isPresent()) {
            return gatewayPod.get().at(workload, podPort);
        }
        if (pod.isPresent() && pod.get().outbound() != null) {
            return new InetSocketAddress(pod.get().ip(), podPort);
        }
        return super.proxyPort(workload, podPort);
    }

    @Override
    public InetSocketAddress ingress() {
        return ingress;
    }

    /** A pod without a sidecar: its calls leave it as the app sent them (Istio's {@code legacy} namespace). */
    @Override
    public boolean hasSidecar(String workload) {
        return gateways.find(workload).isPresent()
                || started(workload).map(p -> p.spec().sidecar()).orElse(true);
    }

    /**
     * Where the registry's DNS and kube-proxy would take a call of a pod without a sidecar: a ready pod's IP on the mesh
     * network, which the host reaches directly (Docker routes its bridge networks on Linux).
     */
    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        return controlPlane().directTarget(workload, host, port);
    }

    /**
     * The pod of {@code workload}: a pod name, its app label (in {@code default} first, as {@code sleep} means
     * {@code sleep.default}), or {@code APP.NAMESPACE}.
     */
    private Optional<StartedPod> started(String workload) {
        Optional<StartedPod> exact = pods.values().stream()
                .filter(p -> p.spec().name().equals(workload)
                        || workload.equals(p.spec().appLabel() + "." + p.spec().namespace()))
                .findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        // A user's gateway is named by its deployment (service.istio.io/canonical-name), as it may have no app label.
        List<StartedPod> byApp = pods.values().stream()
                .filter(p -> workload.equals(p.spec().labels().get("app"))
                        || workload.equals(p.spec().labels().get("service.istio.io/canonical-name")))
                .toList();
        return byApp.stream()
                .filter(p -> p.spec().namespace().equals("default"))
                .findFirst()
                .or(() -> byApp.stream().findFirst());
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        Optional<DockerGatewayDeployments.Deployed> gateway = gateways.find(workload);
        if (gateway.isPresent()) {
            return gateway.get().published();
        }
        Optional<StartedPod> pod = started(workload);
        if (pod.isPresent()) {
            if (pod.get().outbound() == null) {
                throw new IllegalArgumentException(workload + " runs without a sidecar: its calls go straight to the"
                        + " destination pod (directTarget), not through an outbound listener");
            }
            return pod.get().outbound();
        }
        if (workload.equals("istio-ingressgateway")) {
            throw new IllegalArgumentException(
                    workload + " is the ingress gateway; send from a workload with a sidecar, or use from: ingress");
        }
        throw new IllegalArgumentException("no workload \"" + workload + "\" in this mesh; workloads: "
                + pods.values().stream()
                        .map(p -> p.spec().namespace().equals("default")
                                ? p.spec().appLabel()
                                : p.spec().appLabel() + "." + p.spec().namespace())
                        .distinct()
                        .sorted()
                        .toList());
    }
}
