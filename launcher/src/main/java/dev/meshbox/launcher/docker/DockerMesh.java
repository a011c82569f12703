package dev.meshbox.launcher.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.admin.ControlPlaneClient;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.DockerJanitor;
import dev.meshbox.launcher.engine.Labels;
import dev.meshbox.launcher.image.AppImage;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A mesh as Docker containers on a network of its own: the control plane (istiod's place, reading the engine for its
 * registry), the ingress gateway published on the host, and per pod a sidecar container that owns the pod's network
 * namespace plus an app container that joins it. Every container is labelled with the mesh id and this process as
 * owner, removed by {@link #close()}, and removed by the next run's janitor if this process is killed.
 */
public final class DockerMesh implements StartedMesh {

    /**
     * How a Docker mesh publishes itself on the host.
     *
     * @param ingressPort host port (on 127.0.0.1) of the ingress gateway's 8080; 0 picks a free one
     * @param adminPort   host port of the control plane's admin API (15014 in the container); 0 picks a free one
     */
    public record Options(OptionalLong seed, int ingressPort, int adminPort) {
        /** What {@code meshbox up --backend docker} uses: the ingress on 127.0.0.1:8080, the admin API on 15014. */
        public static Options standard(OptionalLong seed) {
            return new Options(seed, 8080, 15014);
        }

        /** Free host ports, so meshes (and a running {@code up}) can share a machine. */
        public static Options isolated(OptionalLong seed) {
            return new Options(seed, 0, 0);
        }
    }

    /** A started pod: its containers, its IP on the mesh network, and where the host reaches its sidecar's outbound listener. */
    public record StartedPod(
            PodSpec spec, String sidecarId, String appId, String ip, InetSocketAddress outbound, boolean captured) {}

    private static final Duration READY = Duration.ofSeconds(120);
    private static final List<String> JVM = List.of(
            "java",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:SharedArchiveFile=" + AppImage.CDS_ARCHIVE,
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off");

    private final DockerClient docker;
    private final String meshId;
    private final String network;
    private final List<String> containers = new CopyOnWriteArrayList<>();
    private final Map<String, StartedPod> pods = new LinkedHashMap<>();
    private final PrintStream progress;
    private String networkId;
    private ControlPlaneClient controlPlane;
    private InetSocketAddress ingress;
    private DeathWatch deathWatch;
    /** Removes the containers when the JVM is stopped (Ctrl-C) while the mesh starts or runs. */
    private final Thread onExit = new Thread(this::removeAll, "meshbox-docker-cleanup");

    private DockerMesh(DockerClient docker, PrintStream progress) {
        this.docker = docker;
        this.meshId = HexFormat.of()
                .toHexDigits(ThreadLocalRandom.current().nextInt())
                .substring(2);
        this.network = "meshbox-" + meshId;
        this.progress = progress;
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Starts a mesh and returns once every pod is ready and every proxy has ACKed its config; on failure nothing is left behind. */
    public static DockerMesh start(MeshSpec spec, Options options, PrintStream progress) throws InterruptedException {
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
        DockerMesh mesh = new DockerMesh(docker, progress);
        try {
            mesh.boot(spec, options, image.tag());
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            mesh.close();
            throw e;
        }
    }

    private static void checkFree(int port, String what) {
        if (port == 0) {
            return;
        }
        if (dev.meshbox.launcher.backend.LocalPorts.inUse(port)) {
            throw new IllegalStateException(
                    "port " + port + " is already in use on 127.0.0.1; the docker backend publishes " + what
                            + " there. Is another mesh or program running? Stop it, or use ./meshbox run, which needs no fixed ports");
        }
    }

    private void boot(MeshSpec spec, Options options, String image) throws InterruptedException {
        long t0 = System.nanoTime();
        networkId = docker.createNetworkCmd()
                .withName(network)
                .withDriver("bridge")
                .withLabels(labels("network", Map.of()))
                .exec()
                .getId();
        progress.printf("network %s created%n", network);

        String cp = startControlPlane(spec, options, image);
        controlPlane = new ControlPlaneClient(URI.create("http://127.0.0.1:" + hostPort(cp, 15014)));
        deathWatch = new DeathWatch(docker, meshId, progress);
        awaitControlPlane(cp);
        progress.printf("control plane   container %s, admin API %s%n", name("istiod"), controlPlane.base());

        for (PodSpec ps : spec.pods()) {
            pods.put(ps.name(), startPod(ps, spec.services(), options, image));
        }
        String gateway = create(
                image,
                name("istio-ingressgateway"),
                labels(
                        "gateway",
                        Map.of(
                                DockerRegistry.ROLE,
                                "gateway",
                                DockerRegistry.POD,
                                "istio-ingressgateway",
                                DockerRegistry.NAMESPACE,
                                "istio-system",
                                "app",
                                "istio-ingressgateway",
                                "istio",
                                "ingressgateway")),
                proxyCommand(
                        "gateway",
                        "istio-ingressgateway",
                        "istio-system",
                        Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"),
                        0,
                        options.seed()),
                hostConfig().withNetworkMode(network).withPortBindings(publish(8080, options.ingressPort())),
                List.of(),
                ExposedPort.tcp(8080));
        ingress = new InetSocketAddress("127.0.0.1", hostPort(gateway, 8080));
        awaitReady(spec);
        deathWatch.start();
        progress.printf(
                "mesh ready in %.1f s (docker network %s, ingress %s:%d)%n",
                (System.nanoTime() - t0) / 1e9, network, ingress.getHostString(), ingress.getPort());
    }

    private String startControlPlane(MeshSpec spec, Options options, String image) {
        List<String> cmd = new ArrayList<>(JVM);
        cmd.addAll(List.of(
                "-Xmx256m",
                "-cp",
                AppImage.JAR,
                "dev.meshbox.launcher.Main",
                "control-plane",
                "--mesh",
                meshId,
                "--network",
                network,
                "--xds",
                "0.0.0.0:15010",
                "--admin",
                "0.0.0.0:15014"));
        for (String name : spec.defaultConfigNames()) {
            cmd.addAll(List.of("--default-config", name));
        }
        HostConfig host = hostConfig().withNetworkMode(network).withPortBindings(publish(15014, options.adminPort()));
        List<String> env = new ArrayList<>();
        URI engine = DockerEngine.host();
        if ("unix".equals(engine.getScheme())) {
            // The registry reads the engine, as registrator or Traefik do: the engine's socket, mounted.
            host.withBinds(new Bind(engine.getPath(), new Volume("/var/run/docker.sock")));
        } else {
            env.add("DOCKER_HOST=" + engine);
        }
        return create(
                image,
                name("istiod"),
                labels("control-plane", Map.of(DockerRegistry.ROLE, "control-plane")),
                cmd,
                host,
                env,
                ExposedPort.tcp(15014),
                "istiod");
    }

    private StartedPod startPod(PodSpec ps, List<MeshService> services, Options options, String image) {
        List<String> aliases = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        for (MeshService s : services) {
            if (s.namespace().equals(ps.namespace()) && s.selects(ps.labels())) {
                aliases.add(s.name());
                s.ports().forEach(p -> ports.add(p.port() + ":" + p.targetPort()));
            }
        }
        Map<String, String> sidecarLabels = new LinkedHashMap<>(ps.labels());
        sidecarLabels.put(DockerRegistry.ROLE, "sidecar");
        sidecarLabels.put(DockerRegistry.POD, ps.name());
        sidecarLabels.put(DockerRegistry.NAMESPACE, ps.namespace());
        sidecarLabels.put(
                DockerRegistry.PORTS, String.join(",", ports.stream().distinct().toList()));
        boolean hasApp = !(ps.container() instanceof PodSpec.NoApp);
        // The sidecar runs as 1337, the uid the capture rules exempt, and may bind any service port, as Envoy may.
        String sidecar = create(
                image,
                name(ps.name()),
                labels("sidecar", sidecarLabels),
                proxyCommand(
                        "sidecar",
                        ps.name(),
                        ps.namespace(),
                        ps.labels(),
                        hasApp ? ps.containerPort() : 0,
                        options.seed()),
                hostConfig()
                        .withNetworkMode(network)
                        .withPortBindings(publish(15001, 0))
                        .withSysctls(Map.of("net.ipv4.ip_unprivileged_port_start", "0")),
                List.of(),
                ExposedPort.tcp(15001),
                aliases.toArray(String[]::new));
        String ip = docker.inspectContainerCmd(sidecar)
                .exec()
                .getNetworkSettings()
                .getNetworks()
                .get(network)
                .getIpAddress();
        boolean captured = false;
        if (hasApp && TrafficCapture.wanted()) {
            Optional<String> why = TrafficCapture.install(
                    docker,
                    image,
                    name(ps.name() + "-init"),
                    labels("init", Map.of(DockerRegistry.ROLE, "init")),
                    sidecar,
                    ip);
            captured = why.isEmpty();
            why.ifPresent(reason -> progress.printf(
                    "pod %s: no transparent capture (%s); its app is pointed at its sidecar%n",
                    ps.name(), reason.lines().findFirst().orElse(reason)));
        }
        InetSocketAddress outbound = new InetSocketAddress("127.0.0.1", hostPort(sidecar, 15001));
        String app = null;
        Map<String, String> appLabels =
                labels("app", Map.of(DockerRegistry.ROLE, "app", DockerRegistry.POD, ps.name()));
        HostConfig joined = hostConfig().withNetworkMode("container:" + sidecar);
        if (ps.container() instanceof PodSpec.BuiltinApp b) {
            List<String> cmd = new ArrayList<>(JVM);
            cmd.addAll(List.of("-Xmx96m", "-cp", AppImage.JAR, "dev.meshbox.bookinfo.Main"));
            cmd.addAll(b.args());
            cmd.addAll(List.of(
                    "--pod",
                    ps.name(),
                    "--namespace",
                    ps.namespace(),
                    "--listen",
                    "127.0.0.1:" + ps.containerPort(),
                    "--proxy",
                    ip + ":15001"));
            app = create(image, name(ps.name() + "-app"), appLabels, cmd, joined, List.of(), null);
        } else if (ps.container() instanceof PodSpec.ImageApp u) {
            List<String> env = new ArrayList<>();
            env.add("PORT=" + ps.containerPort());
            env.add("MESHBOX_LISTEN=127.0.0.1:" + ps.containerPort());
            if (captured) {
                env.add("MESHBOX_CAPTURE=iptables");
            } else {
                env.add("HTTP_PROXY=http://" + ip + ":15001");
                env.add("http_proxy=http://" + ip + ":15001");
                env.add("NO_PROXY=127.0.0.1,localhost");
            }
            u.env().forEach((k, v) -> env.add(k + "=" + v));
            app = create(u.image(), name(ps.name() + "-app"), appLabels, null, joined, env, null);
        }
        progress.printf(
                "pod %-36s started %s (%s%s)%n",
                ps.name(), ps.labels().getOrDefault("version", "client"), ip, captured ? ", iptables capture" : "");
        return new StartedPod(ps, sidecar, app, ip, outbound, captured);
    }

    private List<String> proxyCommand(
            String role, String pod, String namespace, Map<String, String> labels, int appPort, OptionalLong seed) {
        List<String> cmd = new ArrayList<>(JVM);
        cmd.addAll(List.of(
                "-Xmx96m",
                "-cp",
                AppImage.JAR,
                "dev.meshbox.proxy.Main",
                "--role",
                role,
                "--pod",
                pod,
                "--namespace",
                namespace,
                "--xds",
                "istiod:15010"));
        labels.forEach((k, v) -> cmd.addAll(List.of("--label", k + "=" + v)));
        if (appPort > 0) {
            cmd.addAll(List.of("--app-probe", "127.0.0.1:" + appPort));
        }
        seed.ifPresent(s -> cmd.addAll(List.of("--seed", Long.toString(s))));
        return cmd;
    }

    private String create(
            String image,
            String name,
            Map<String, String> labels,
            List<String> cmd,
            HostConfig host,
            List<String> env,
            ExposedPort exposed,
            String... aliases) {
        CreateContainerCmd create = docker.createContainerCmd(image)
                .withName(name)
                .withLabels(labels)
                .withHostConfig(host)
                .withEnv(env);
        if ("sidecar".equals(labels.get(DockerRegistry.ROLE))) {
            create.withUser(TrafficCapture.PROXY_UID);
        }
        if (cmd != null) {
            create.withCmd(cmd);
        }
        if (exposed != null) {
            create.withExposedPorts(exposed);
        }
        if (aliases.length > 0) {
            create.withAliases(aliases);
        }
        String id;
        try {
            id = create.exec().getId();
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            throw new IllegalStateException(
                    "cannot create container " + name + ": image " + image + " is not in the engine"
                            + " (build it, or pull it where a registry is reachable): " + e.getMessage(),
                    e);
        }
        containers.add(id);
        try {
            docker.startContainerCmd(id).exec();
        } catch (DockerException e) {
            throw new IllegalStateException(
                    "cannot start container " + name + ": " + e.getMessage().strip(), e);
        }
        return id;
    }

    private HostConfig hostConfig() {
        return HostConfig.newHostConfig();
    }

    private static Ports publish(int containerPort, int hostPort) {
        Ports ports = new Ports();
        ports.bind(
                ExposedPort.tcp(containerPort),
                hostPort == 0 ? Ports.Binding.bindIp("127.0.0.1") : Ports.Binding.bindIpAndPort("127.0.0.1", hostPort));
        return ports;
    }

    private int hostPort(String container, int containerPort) {
        InspectContainerResponse r = docker.inspectContainerCmd(container).exec();
        Ports.Binding[] b = r.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
        if (b == null || b.length == 0) {
            throw new IllegalStateException("container " + r.getName() + " has no host port for " + containerPort);
        }
        return Integer.parseInt(b[0].getHostPortSpec());
    }

    private void awaitControlPlane(String id) throws InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (!controlPlane.healthy()) {
            deathWatch.check();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the control plane did not answer within " + READY.toSeconds() + " s\n"
                        + DeathWatch.logTail(docker, id));
            }
            Thread.sleep(100);
        }
    }

    /** Until the registry has every pod ready (its containers run, its sidecar answers ready) and every proxy ACKed. */
    private void awaitReady(MeshSpec spec) throws InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        java.util.Set<String> announced = new java.util.HashSet<>();
        int expected = spec.pods().size() + 1;
        while (true) {
            deathWatch.check();
            int ready = 0;
            for (JsonNode p : controlPlane.pods()) {
                if (p.path("ready").asBoolean()) {
                    ready++;
                    if (announced.add(p.path("name").asText())) {
                        progress.printf("pod %-36s ready%n", p.path("name").asText());
                    }
                }
            }
            if (ready >= expected) {
                Optional<String> lagging = controlPlane.lagging();
                if (lagging.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("proxies did not ACK their config:" + lagging.get());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + ready + " of " + expected + " pods became ready within " + READY.toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    private String name(String suffix) {
        return network + "-" + suffix;
    }

    private Map<String, String> labels(String kind, Map<String, String> extra) {
        Map<String, String> labels = new LinkedHashMap<>(extra);
        labels.putAll(Labels.owned(kind));
        labels.put(DockerRegistry.MESH, meshId);
        return labels;
    }

    public String meshId() {
        return meshId;
    }

    public String network() {
        return network;
    }

    public List<StartedPod> pods() {
        return List.copyOf(pods.values());
    }

    /** The control plane's admin API on the host. */
    public URI admin() {
        return controlPlane.base();
    }

    // ---- MeshAccess: config and telemetry through the control plane, traffic through published ports

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        return controlPlane.apply(config);
    }

    @Override
    public void resetConfig() {
        controlPlane.reset();
    }

    @Override
    public InetSocketAddress ingress() {
        return ingress;
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        for (StartedPod p : pods.values()) {
            if (p.spec().name().equals(workload)
                    || workload.equals(p.spec().labels().get("app"))) {
                return p.outbound();
            }
        }
        if (workload.equals("istio-ingressgateway")) {
            throw new IllegalArgumentException(
                    workload + " is the ingress gateway; send from a workload with a sidecar, or use from: ingress");
        }
        throw new IllegalArgumentException("no workload \"" + workload + "\" in this mesh; workloads: "
                + pods.values().stream()
                        .map(p -> p.spec().appLabel())
                        .distinct()
                        .sorted()
                        .toList());
    }

    @Override
    public List<LogEntry> accessLog() {
        return controlPlane.accessLog();
    }

    @Override
    public Optional<String> describeRouting(String workload, String host) {
        return controlPlane.describeRouting(workload, host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        return controlPlane.counters(workload);
    }

    /** Containers of this mesh that stopped, with their exit code and last log lines; empty while all run. */
    public Optional<String> deaths() {
        return deathWatch == null ? Optional.empty() : deathWatch.report();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) removeAll itself
        }
        removeAll();
    }

    private synchronized void removeAll() {
        if (deathWatch != null) {
            deathWatch.close();
        }
        List<String> all = new ArrayList<>(containers);
        java.util.Collections.reverse(all);
        for (String id : all) {
            try {
                docker.removeContainerCmd(id)
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            } catch (RuntimeException e) {
                // gone already, or the engine is gone: the janitor of the next run cleans up
            }
        }
        containers.clear();
        if (networkId != null) {
            try {
                docker.removeNetworkCmd(networkId).exec();
            } catch (RuntimeException e) {
                // as above
            }
            networkId = null;
        }
    }
}
