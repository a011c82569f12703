package dev.meshbox.launcher.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ResourceKey;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The embedded mesh: control plane, ingress gateway and every pod (app plus sidecar) in this JVM, each pod on its
 * own loopback addresses. All routing state still travels over gRPC ADS from the control plane to the proxies.
 */
public final class LocalMesh implements MeshAccess, AutoCloseable {

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
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Set<ResourceKey> defaultResources = new java.util.HashSet<>();
    private RunningPod gateway;

    private LocalMesh(MeshSpec spec, LocalOptions options, Subnet subnet) {
        this.spec = spec;
        this.options = options;
        this.subnet = subnet;
    }

    /** Starts a mesh and returns once every pod is ready and every proxy has ACKed its config. */
    public static LocalMesh start(MeshSpec spec, LocalOptions options, PrintStream progress) throws InterruptedException {
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
        ApplyResult defaults = controlPlane.config().apply(spec.defaultConfig().stream()
                .map(t -> new ConfigStore.Source("bookinfo-gateway.yaml", t)).toList());
        if (!defaults.ok()) {
            throw new IllegalStateException("built-in config rejected: " + defaults.problems());
        }
        defaults.changes().forEach(c -> defaultResources.add(c.key()));

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

    // ---- MeshAccess

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        ApplyResult r = controlPlane.config().apply(config.stream().map(c -> new ConfigStore.Source(c.name(), c.text())).toList());
        if (!r.ok()) {
            return new ApplyOutcome(List.of(), r.problems().stream().map(Object::toString).toList());
        }
        awaitConverged();
        return new ApplyOutcome(r.changes().stream().map(ApplyResult.Change::display).toList(), List.of());
    }

    /** Blocks until every proxy has ACKed the current config; a proxy that NACKs keeps its old config and is reported. */
    public void awaitConverged() {
        try {
            if (!controlPlane.awaitConverged(CONVERGE)) {
                throw new IllegalStateException("proxies rejected the new config, or did not ACK it within " + CONVERGE.toSeconds() + " s:"
                        + controlPlane.describeLagging());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for proxies", e);
        }
    }

    @Override
    public void resetConfig() {
        List<ResourceKey> toDelete = controlPlane.config().snapshot().resources().keySet().stream()
                .filter(k -> !defaultResources.contains(k)).toList();
        if (!toDelete.isEmpty()) {
            controlPlane.config().delete(toDelete);
            awaitConverged();
        }
    }

    @Override
    public InetSocketAddress ingress() {
        return new InetSocketAddress(gateway.pod().ip(), 8080);
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        RunningPod p = pod(workload);
        if (p.pod().role() != Pod.ProxyKind.SIDECAR) {
            throw new IllegalArgumentException(workload + " is the ingress gateway; send from a workload with a sidecar, or use from: ingress");
        }
        return new InetSocketAddress(p.pod().ip(), 15001);
    }

    @Override
    public List<LogEntry> accessLog() {
        List<LogEntry> out = new ArrayList<>();
        for (RunningPod p : pods) {
            out.addAll(accessLog(p));
        }
        return out;
    }

    /** Reads a proxy's access log from its admin port, as any client of the mesh would. */
    public List<LogEntry> accessLog(RunningPod p) {
        String body = adminGet(p, "/access_log?format=json");
        try {
            List<LogEntry> out = new ArrayList<>();
            for (JsonNode e : json.readTree(body)) {
                out.add(new LogEntry(p.pod().name(), p.pod().labels(), e.path("direction").asText(), e.path("request_id").asText(),
                        e.path("response_code").asInt(), e.path("response_flags").asText(), e.path("upstream_cluster").asText(),
                        text(e, "route_name"), e.path("duration_ms").asDouble(), text(e, "authority")));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the access log of " + p.pod().name() + " is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Optional<String> describeRouting(String workload, String host) {
        dev.meshbox.controlplane.xds.XdsResources r = controlPlane.resources(pod(workload).pod().nodeId());
        return r == null ? java.util.Optional.empty() : dev.meshbox.controlplane.xds.RouteDescriber.describe(r, host);
    }

    /** A JSON field as text, empty when absent or null (an unnamed route, say). */
    private static String text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    @Override
    public Map<String, Long> counters(String workload) {
        RunningPod p = pod(workload);
        String text = adminGet(p, "/stats");
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.lastIndexOf(": ");
            if (colon > 0) {
                try {
                    out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
                } catch (NumberFormatException ignored) {
                    // gauges or text values are not counters
                }
            }
        }
        return out;
    }

    /** A pod of the workload (app label or pod name); the gateway is {@code istio-ingressgateway}. */
    public RunningPod pod(String workload) {
        for (RunningPod p : pods) {
            if (p.pod().name().equals(workload) || workload.equals(p.pod().labels().get("app"))) {
                return p;
            }
        }
        throw new IllegalArgumentException("no workload \"" + workload + "\" in this mesh; workloads: "
                + pods.stream().map(p -> p.pod().app()).distinct().sorted().toList());
    }

    /** GET on a proxy's admin port, as any client of the mesh would. */
    public String adminGet(RunningPod p, String path) {
        URI uri = URI.create("http://" + p.pod().ip() + ":15000" + path);
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + uri + " of " + p.pod().name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
