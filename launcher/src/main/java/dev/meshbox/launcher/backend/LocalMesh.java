package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import dev.meshbox.launcher.lifecycle.StartupTrace;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyEventLoops;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import io.netty.channel.EventLoopGroup;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The embedded mesh: control plane, ingress gateway and every pod (app plus sidecar) in this JVM, each pod on its
 * own loopback addresses. All routing state still travels over gRPC ADS from the control plane to the proxies.
 */
public final class LocalMesh implements StartedMesh {

    /**
     * A started pod: what the registry knows plus the running parts.
     *
     * @param app   its app, null for a client pod (sleep, fortio)
     * @param proxy its sidecar, null for a pod without one
     */
    public record RunningPod(Pod pod, Workload app, Proxy proxy) {
        public InetSocketAddress admin() {
            return new InetSocketAddress(pod.ip(), 15000);
        }
    }

    private static final Duration CONVERGE = Duration.ofSeconds(10);
    /** Threads that start apps and proxies: a few, so pods start side by side on any machine without crowding it. */
    private static final int STARTER_THREADS = Math.max(4, Runtime.getRuntime().availableProcessors());

    private static final String GATEWAY_NAMESPACE = "istio-system";

    private final MeshSpec spec;
    private final LocalOptions options;
    /** The cluster this mesh is, in a multi-cluster mesh; null for a mesh alone. */
    private final ClusterMember member;

    private final Subnet subnet;
    private final ControlPlane controlPlane;
    private final List<RunningPod> pods = new CopyOnWriteArrayList<>();
    /** Everything started, so a failed start or a stop closes exactly what runs, last first. */
    private final CleanupStack started;

    private final EventLoopGroup eventLoop = ProxyEventLoops.create(2, "meshbox-proxy");
    private final MeshControl control;
    private RunningPod gateway;

    private LocalMesh(MeshSpec spec, LocalOptions options, ClusterMember member, Subnet subnet, CleanupStack started) {
        this.spec = spec;
        this.options = options;
        this.member = member;
        this.subnet = subnet;
        this.started = started;
        this.controlPlane = new ControlPlane(options.security());
        if (member != null) {
            controlPlane.clusterIdentity(member.cluster(), member.network());
        }
        this.control = new MeshControl(controlPlane);
        // Pushed before any proxy, so every proxy stops before the control plane and the loops it runs on.
        started.push("the proxies' event loops", () -> eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        started.push("the control plane", controlPlane);
    }

    /** Starts a mesh and returns once every pod is ready and every proxy has ACKed its config. */
    public static LocalMesh start(MeshSpec spec, LocalOptions options, PrintStream progress)
            throws InterruptedException {
        return start(spec, options, null, progress);
    }

    /**
     * Starts one cluster of a multi-cluster mesh ({@link MultiClusterMesh}): its control plane has the cluster's id and
     * network, and its ingress gateway the cluster's topology labels; {@code member} null is a mesh alone.
     */
    public static LocalMesh start(MeshSpec spec, LocalOptions options, ClusterMember member, PrintStream progress)
            throws InterruptedException {
        return start(spec, () -> options, member, progress);
    }

    /**
     * As {@link #start(MeshSpec, LocalOptions, ClusterMember, PrintStream)}, asking for {@code options} only once the
     * apps are starting, so a multi-cluster start makes the clusters' certificates meanwhile.
     */
    static LocalMesh start(MeshSpec spec, Supplier<LocalOptions> options, ClusterMember member, PrintStream progress)
            throws InterruptedException {
        for (PodSpec ps : spec.pods()) {
            if (ps.container() instanceof PodSpec.ImageApp image) {
                throw new IllegalArgumentException(
                        "image workload " + ps.appLabel() + " (" + image.image() + ") needs containers: "
                                + "run it with --backend docker (the local backend runs apps in this JVM)");
            }
        }
        long t0 = System.nanoTime();
        Subnet subnet = Subnet.claim();
        CleanupStack started = new CleanupStack("the local mesh");
        started.push("loopback block 127." + subnet.block() + ".0.0/16", subnet);
        ExecutorService starter = Executors.newFixedThreadPool(STARTER_THREADS, daemonThreads("meshbox-start-"));
        try {
            // Apps need nothing from the mesh: they start on other threads while this one makes the control plane and
            // the proxies' event loops (class initialisation of gRPC, protobuf and Netty, a good part of a start).
            List<PodPlan> plans = new ArrayList<>();
            int n = 1;
            for (PodSpec ps : spec.pods()) {
                plans.add(plan(ps, subnet, n++, started, starter));
            }
            LocalMesh mesh = new LocalMesh(spec, options.get(), member, subnet, started);
            mesh.boot(plans, starter, t0, progress);
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            // Let no start still running add to what is closed here.
            stop(starter);
            try {
                started.close();
            } catch (RuntimeException cleanupFailure) {
                e.addSuppressed(cleanupFailure);
            }
            throw e;
        } finally {
            stop(starter);
        }
    }

    private static void stop(ExecutorService starter) throws InterruptedException {
        starter.shutdownNow();
        starter.awaitTermination(30, TimeUnit.SECONDS);
    }

    /**
     * Every proxy starts as soon as the control plane listens, without waiting for its app, and connects while the
     * control plane translates the mesh. A pod turns ready once both its app accepts connections and its proxy has its
     * first config, as a Kubernetes pod's readiness needs both containers.
     */
    private void boot(List<PodPlan> plans, ExecutorService starter, long t0, PrintStream progress)
            throws InterruptedException {
        trace("control plane made");
        controlPlane.start(options.xdsBind());
        trace("control plane listening");
        LocalGatewayDeployments deployments = new LocalGatewayDeployments(
                controlPlane,
                subnet,
                (pod, ip) -> startProxy(pod, ProxyRole.GATEWAY, ip),
                progress,
                labels -> ClusterMember.labels(member, labels));
        control.onConfigChanged(deployments::sync);
        progress.printf("control plane   xDS on 127.0.0.1:%d%n", controlPlane.xdsPort());
        InetAddress gatewayIp = options.gatewayOnLocalhost() == LocalOptions.GatewayAddress.LOCALHOST
                ? InetAddress.getLoopbackAddress()
                : subnet.podIp(250);
        String gatewayName = MeshSpec.podName("istio-ingressgateway", 0);
        Pod gatewayPod = new Pod(
                member == null ? gatewayName : MeshSpec.podNameInCluster(gatewayName, member.cluster()),
                GATEWAY_NAMESPACE,
                gatewayIp.getHostAddress(),
                gatewayIp.getHostAddress(),
                ClusterMember.labels(member, Map.of("app", "istio-ingressgateway", "istio", "ingressgateway")),
                Pod.ProxyKind.GATEWAY,
                true,
                "istio-ingressgateway-service-account");
        // The ingress Gateway config first, while the registry is empty and a rebuild costs nothing; then every proxy
        // starts and connects (each waits for its first snapshot) while this thread translates the whole mesh once.
        control.applyDefaults(spec.defaultConfig(), "bookinfo-gateway.yaml");
        trace("default config applied");
        List<CompletableFuture<RunningPod>> starting = new ArrayList<>();
        // Completes once every pod is in the registry (not ready yet), so a pod's readiness is never overwritten by it.
        CompletableFuture<Void> registeredAll = new CompletableFuture<>();
        for (PodPlan plan : plans) {
            if (plan.spec().container() instanceof PodSpec.GatewayProxy) {
                // A user's gateway deployment: no app, its proxy in the gateway role on the pod IP.
                starting.add(CompletableFuture.supplyAsync(
                                () -> startProxy(plan.pod(), ProxyRole.GATEWAY, plan.podIp()), starter)
                        .thenCompose(proxy -> proxy.ready()
                                .thenCombine(registeredAll, (v, x) -> podReady(plan, null, proxy, progress))));
                continue;
            }
            if (!plan.spec().sidecar()) {
                // No sidecar: ready as soon as its app listens on the pod IP.
                starting.add(plan.app().thenCombine(registeredAll, (app, x) -> podReady(plan, app, null, progress)));
                continue;
            }
            starting.add(CompletableFuture.supplyAsync(
                            () -> startProxy(
                                    plan.pod(),
                                    ProxyRole.SIDECAR,
                                    plan.podIp(),
                                    plan.spec().proxyConfig()),
                            starter)
                    .thenCompose(proxy -> plan.app()
                            .thenCombine(proxy.ready(), (app, ready) -> podReady(plan, app, proxy, progress))));
        }
        starting.add(CompletableFuture.supplyAsync(() -> startProxy(gatewayPod, ProxyRole.GATEWAY, gatewayIp), starter)
                .thenCompose(proxy -> proxy.ready().thenApply(v -> gatewayReady(gatewayPod, proxy, progress))));
        List<Pod> registered = new ArrayList<>(plans.stream().map(PodPlan::pod).toList());
        registered.add(gatewayPod);
        // One change, one rebuild, instead of one per service and per pod.
        controlPlane.registry().putAll(spec.services(), registered);
        registeredAll.complete(null);
        trace("pods registered");
        // The first failure ends the wait, whichever pod it is.
        CompletableFuture<RunningPod> failed = new CompletableFuture<>();
        starting.forEach(f -> f.whenComplete((p, t) -> {
            if (t != null) {
                failed.completeExceptionally(t);
            }
        }));
        for (CompletableFuture<RunningPod> f : starting) {
            try {
                CompletableFuture.anyOf(f, failed).get(30, TimeUnit.SECONDS);
                pods.add(f.join());
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause =
                        e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                                ? c.getCause()
                                : e.getCause();
                throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause.getMessage(), cause);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("a pod did not become ready within 30 s");
            }
        }
        trace("pods ready");
        if (!controlPlane.awaitConverged(CONVERGE)) {
            throw new IllegalStateException("proxies did not ACK their config within " + CONVERGE.toSeconds() + " s:"
                    + controlPlane.describeLagging());
        }
        trace("proxies converged");
        progress.printf("mesh ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private void trace(String phase) {
        StartupTrace.mark((member == null ? "" : member.cluster() + ": ") + phase);
    }

    /** A pod not yet ready, and its app starting on {@code starter} (already done for a client pod, which has none). */
    private record PodPlan(PodSpec spec, Pod pod, InetAddress podIp, CompletableFuture<Workload> app) {}

    private static PodPlan plan(PodSpec ps, Subnet subnet, int n, CleanupStack started, ExecutorService starter) {
        InetAddress podIp = subnet.podIp(n);
        // Without a sidecar the app owns the pod IP, as in a pod Istio did not inject.
        InetAddress appIp = ps.sidecar() ? subnet.appIp(n) : podIp;
        Pod pod = new Pod(
                ps.name(),
                ps.namespace(),
                podIp.getHostAddress(),
                appIp.getHostAddress(),
                ps.labels(),
                ps.container() instanceof PodSpec.GatewayProxy
                        ? Pod.ProxyKind.GATEWAY
                        : ps.sidecar() ? Pod.ProxyKind.SIDECAR : Pod.ProxyKind.NONE,
                false,
                ps.serviceAccount());
        // A client pod (sleep, fortio) has no app of its own: only a sidecar to send from.
        Workload app = ps.appFactory() == null
                ? null
                : ps.appFactory()
                        .apply(new AppContext(
                                ps.appLabel(),
                                ps.version(),
                                ps.name(),
                                ps.namespace(),
                                new InetSocketAddress(appIp, ps.containerPort()),
                                new InetSocketAddress(podIp, 15001)));
        if (app == null) {
            return new PodPlan(ps, pod, podIp, CompletableFuture.completedFuture(null));
        }
        started.push("app of pod " + ps.name(), app);
        return new PodPlan(
                ps,
                pod,
                podIp,
                CompletableFuture.supplyAsync(
                        () -> {
                            app.start();
                            return app;
                        },
                        starter));
    }

    private Proxy startProxy(Pod pod, ProxyRole role, InetAddress bind) {
        return startProxy(pod, role, bind, "");
    }

    /** {@code proxyConfig}: the pod's ProxyConfig JSON, sent as node metadata as Istio's bootstrap carries it. */
    private Proxy startProxy(Pod pod, ProxyRole role, InetAddress bind, String proxyConfig) {
        Proxy proxy = Proxy.start(proxyOptions(pod, role, bind).toBuilder()
                .proxyConfig(ProxyConfigJson.struct(proxyConfig))
                .build());
        started.push("proxy of pod " + pod.name(), proxy);
        return proxy;
    }

    private RunningPod podReady(PodPlan plan, Workload app, Proxy proxy, PrintStream progress) {
        Pod ready = plan.pod().withReady(true);
        controlPlane.registry().putPod(ready);
        if (plan.spec().container() instanceof PodSpec.GatewayProxy) {
            progress.printf("pod %-36s ready  gateway on %s%n", ready.name(), ready.ip());
            return new RunningPod(ready, app, proxy);
        }
        progress.printf(
                "pod %-36s ready  %s (%s %s)%n",
                ready.name(),
                plan.spec().labels().getOrDefault("version", "client"),
                proxy == null ? "no sidecar," : "sidecar",
                ready.ip());
        return new RunningPod(ready, app, proxy);
    }

    private RunningPod gatewayReady(Pod pod, Proxy proxy, PrintStream progress) {
        progress.printf("pod %-36s ready  ingress gateway on %s:8080%n", pod.name(), pod.ip());
        trace("ingress gateway ready");
        RunningPod rp = new RunningPod(pod, null, proxy);
        gateway = rp;
        return rp;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private ProxyOptions proxyOptions(Pod pod, ProxyRole role, InetAddress bind) {
        ProxyOptions.Builder o = ProxyOptions.builder(
                        pod.nodeId(), bind, new InetSocketAddress("127.0.0.1", controlPlane.xdsPort()))
                .nodeCluster(pod.app() + "." + pod.namespace())
                .labels(pod.labels())
                .namespace(pod.namespace())
                .podName(pod.name())
                .role(role)
                .clock(Clock.systemUTC())
                .sharedEventLoop(eventLoop);
        // Every proxy gets the mesh's seed itself: a decision is a function of (seed, request id, decision point), so
        // the same request makes the same choice whichever proxy or run sees it.
        options.seed().ifPresent(o::explicitSeed);
        return o.build();
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    public List<RunningPod> pods() {
        return List.copyOf(pods);
    }

    // ---- MeshAccess, answered beside the control plane as any backend's would be

    /** Config, pods and proxy admin reads through the control plane, as the admin API and the UI use them. */
    public MeshControl control() {
        return control;
    }

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        return control.apply(config);
    }

    /** Blocks until every proxy has ACKed the current config; a proxy that NACKs keeps its old config and is reported. */
    public void awaitConverged() {
        control.awaitConverged();
    }

    @Override
    public void resetConfig() {
        control.resetConfig();
    }

    @Override
    public InetSocketAddress ingress() {
        return new InetSocketAddress(gateway.pod().ip(), 8080);
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        return control.outboundOf(workload);
    }

    @Override
    public boolean entersAtGateway(String workload) {
        return control.entersAtGateway(workload);
    }

    @Override
    public boolean hasSidecar(String workload) {
        return control.hasSidecar(workload);
    }

    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        return control.directTarget(workload, host, port);
    }

    @Override
    public java.util.Optional<ProxylessClient> proxylessClient(String workload) {
        return ProxylessClients.of(control.pod(workload), spec, adsServer().orElseThrow());
    }

    @Override
    public java.util.Optional<InetSocketAddress> adsServer() {
        return java.util.Optional.of(new InetSocketAddress("127.0.0.1", controlPlane.xdsPort()));
    }

    @Override
    public List<LogEntry> accessLog() {
        return control.accessLog();
    }

    @Override
    public java.util.Optional<String> describeRouting(String workload, String host) {
        return control.describeRouting(workload, host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        return control.counters(workload);
    }

    @Override
    public String proxyAdminPost(String workload, String path) {
        return control.proxyAdminPost(workload, path);
    }

    /** A pod of the workload (app label or pod name); the gateway is {@code istio-ingressgateway}. */
    public RunningPod pod(String workload) {
        String name = control.pod(workload).name();
        return pods.stream()
                .filter(p -> p.pod().name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload \"" + workload + "\" in this mesh"));
    }

    /** GET on a proxy's admin port, as any client of the mesh would. */
    public String adminGet(RunningPod p, String path) {
        return control.adminGet(p.pod(), path);
    }

    public List<MeshService> services() {
        return spec.services();
    }

    /** Stops every proxy and app, the control plane, and frees the loopback block; throws, naming each, on failures. */
    @Override
    public void close() {
        pods.clear();
        started.close();
    }
}
