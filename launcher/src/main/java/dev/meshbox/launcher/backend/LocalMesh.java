package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyEventLoops;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import dev.meshbox.scenarios.MeshAccess;
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
import java.util.concurrent.TimeUnit;

/**
 * The embedded mesh: control plane, ingress gateway and every pod (app plus sidecar) in this JVM, each pod on its
 * own loopback addresses. All routing state still travels over gRPC ADS from the control plane to the proxies.
 */
public final class LocalMesh implements Backends.Started {

    /** A started pod: what the registry knows plus the running parts. */
    public record RunningPod(Pod pod, Workload app, Proxy proxy) {
        public InetSocketAddress admin() {
            return new InetSocketAddress(pod.ip(), 15000);
        }
    }

    private static final Duration CONVERGE = Duration.ofSeconds(10);
    private static final String GATEWAY_NAMESPACE = "istio-system";

    private final MeshSpec spec;
    private final LocalOptions options;
    private final Subnet subnet;
    private final ControlPlane controlPlane = new ControlPlane();
    private final List<RunningPod> pods = new CopyOnWriteArrayList<>();
    /** Everything started, in order, so a failed start or a stop closes exactly what runs. */
    private final List<AutoCloseable> started = new CopyOnWriteArrayList<>();
    private final EventLoopGroup eventLoop = ProxyEventLoops.create(2, "meshbox-proxy");
    private final MeshControl control = new MeshControl(controlPlane);
    private RunningPod gateway;

    private LocalMesh(MeshSpec spec, LocalOptions options, Subnet subnet) {
        this.spec = spec;
        this.options = options;
        this.subnet = subnet;
    }

    /** Starts a mesh and returns once every pod is ready and every proxy has ACKed its config. */
    public static LocalMesh start(MeshSpec spec, LocalOptions options, PrintStream progress) throws InterruptedException {
        for (PodSpec ps : spec.pods()) {
            if (ps.container() instanceof PodSpec.ImageApp image) {
                throw new IllegalArgumentException("image workload " + ps.appLabel() + " (" + image.image() + ") needs containers: "
                        + "run it with --backend docker (the local backend runs apps in this JVM)");
            }
        }
        LocalMesh mesh = new LocalMesh(spec, options, Subnet.claim());
        try {
            mesh.boot(progress);
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            mesh.close();
            throw e;
        }
    }

    private void boot(PrintStream progress) throws InterruptedException {
        long t0 = System.nanoTime();
        controlPlane.start(options.xdsBind());
        progress.printf("control plane   xDS on 127.0.0.1:%d%n", controlPlane.xdsPort());
        spec.services().forEach(controlPlane.registry()::putService);
        control.applyDefaults(spec.defaultConfig(), "bookinfo-gateway.yaml");

        List<CompletableFuture<RunningPod>> starting = new ArrayList<>();
        int n = 1;
        for (PodSpec ps : spec.pods()) {
            starting.add(startPod(ps, n++, progress));
        }
        InetAddress gatewayIp = options.gatewayOnLocalhost() == LocalOptions.GatewayAddress.LOCALHOST
                ? InetAddress.getLoopbackAddress() : subnet.podIp(250);
        starting.add(startGateway(gatewayIp, progress));
        for (CompletableFuture<RunningPod> f : starting) {
            try {
                pods.add(f.get(30, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("a pod did not become ready within 30 s");
            }
        }
        if (!controlPlane.awaitConverged(CONVERGE)) {
            throw new IllegalStateException("proxies did not ACK their config within " + CONVERGE.toSeconds() + " s:" + controlPlane.describeLagging());
        }
        progress.printf("mesh ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private CompletableFuture<RunningPod> startPod(PodSpec ps, int n, PrintStream progress) {
        InetAddress podIp = subnet.podIp(n);
        InetAddress appIp = subnet.appIp(n);
        Pod pod = new Pod(ps.name(), ps.namespace(), podIp.getHostAddress(), appIp.getHostAddress(), ps.labels(),
                Pod.ProxyKind.SIDECAR, false);
        controlPlane.registry().putPod(pod);
        // A client pod (sleep, fortio) has no app of its own: only a sidecar to send from.
        Workload app = ps.appFactory() == null ? null : ps.appFactory().apply(new AppContext(ps.appLabel(), ps.version(), ps.name(),
                ps.namespace(), new InetSocketAddress(appIp, ps.containerPort()), new InetSocketAddress(podIp, 15001)));
        if (app != null) {
            app.start();
            started.add(app);
        }
        Proxy proxy = Proxy.start(proxyOptions(pod, ProxyRole.SIDECAR, podIp));
        started.add(proxy);
        return proxy.ready().thenApply(v -> {
            Pod ready = pod.withReady(true);
            controlPlane.registry().putPod(ready);
            progress.printf("pod %-36s ready  %s (sidecar %s)%n", ps.name(), ps.labels().getOrDefault("version", "client"), podIp.getHostAddress());
            return new RunningPod(ready, app, proxy);
        });
    }

    private CompletableFuture<RunningPod> startGateway(InetAddress ip, PrintStream progress) {
        String name = MeshSpec.podName("istio-ingressgateway", 0);
        Pod pod = new Pod(name, GATEWAY_NAMESPACE, ip.getHostAddress(), ip.getHostAddress(),
                Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"), Pod.ProxyKind.GATEWAY, true);
        controlPlane.registry().putPod(pod);
        Proxy proxy = Proxy.start(proxyOptions(pod, ProxyRole.GATEWAY, ip));
        started.add(proxy);
        return proxy.ready().thenApply(v -> {
            progress.printf("pod %-36s ready  ingress gateway on %s:8080%n", name, ip.getHostAddress());
            RunningPod rp = new RunningPod(pod, null, proxy);
            gateway = rp;
            return rp;
        });
    }

    private ProxyOptions proxyOptions(Pod pod, ProxyRole role, InetAddress bind) {
        ProxyOptions o = new ProxyOptions(pod.nodeId(), pod.app() + "." + pod.namespace(), pod.labels(), pod.namespace(), pod.name(),
                role, bind, new InetSocketAddress("127.0.0.1", controlPlane.xdsPort()), 15000, null, Clock.systemUTC(), eventLoop);
        // Every proxy gets the mesh's seed itself: a decision is a function of (seed, request id, decision point), so
        // the same request makes the same choice whichever proxy or run sees it.
        return options.seed().isPresent() ? o.withExplicitSeed(options.seed().getAsLong()) : o;
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

    /** A pod of the workload (app label or pod name); the gateway is {@code istio-ingressgateway}. */
    public RunningPod pod(String workload) {
        String name = control.pod(workload).name();
        return pods.stream().filter(p -> p.pod().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload \"" + workload + "\" in this mesh"));
    }

    /** GET on a proxy's admin port, as any client of the mesh would. */
    public String adminGet(RunningPod p, String path) {
        return control.adminGet(p.pod(), path);
    }

    public List<MeshService> services() {
        return spec.services();
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(started);
        java.util.Collections.reverse(all);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        started.clear();
        pods.clear();
        controlPlane.close();
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        subnet.close();
    }
}
