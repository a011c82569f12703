package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.AccessLogQueries;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mesh of a {@link MeshTest} class, as one test sees it: apply Istio YAML, send traffic from a workload, read the
 * proxies' counters and access logs. Injected as a parameter of test methods, {@code @BeforeEach} and
 * {@code @BeforeAll} methods, or a constructor.
 *
 * <p>Request ids name the test ({@code CheckoutCanaryTest-splitsTraffic-1-0}, ...), so the access log of a failing
 * test is easy to read and a seeded run makes the same choice for each request every time.
 */
public final class Mesh {

    /** Whether config applied through this view is the class's baseline or one test's change. */
    enum Scope {
        CLASS,
        TEST
    }

    private static final String GATEWAY = "istio-ingressgateway";
    private static final int MAX_REQUESTS = 100_000;

    private final RunningMesh running;
    private final String runPrefix;
    private final Scope scope;
    private final ClassLoader loader;
    private final AtomicInteger sends = new AtomicInteger();
    private final AtomicInteger proxylessChannels = new AtomicInteger();

    /** @param loader where {@link #applyClasspath} looks: the test class's loader */
    Mesh(RunningMesh running, String runPrefix, Scope scope, ClassLoader loader) {
        this.running = running;
        this.runPrefix = runPrefix;
        this.scope = scope;
        this.loader = loader;
    }

    // ---- config

    /**
     * Applies Istio YAML text (VirtualService, DestinationRule, Gateway; several documents allowed) and returns once
     * every proxy has ACKed it, with kubectl-style lines ({@code virtualservice.networking.istio.io/reviews created}).
     *
     * @throws AssertionError naming the resource and field when the config is rejected; nothing is applied then
     */
    public List<String> apply(String yaml) {
        String firstLine = yaml.strip().lines().findFirst().orElse("");
        if (!yaml.strip().contains("\n") && (firstLine.endsWith(".yaml") || firstLine.endsWith(".yml"))) {
            throw new IllegalArgumentException("apply(String) takes YAML text, got \"" + firstLine
                    + "\"; for a file use apply(Path.of(...)) or applyClasspath(\""
                    + firstLine.replaceFirst("^classpath:", "") + "\")");
        }
        return apply(List.of(new MeshAccess.ConfigText("inline YAML of " + runPrefix, yaml)));
    }

    /** Applies files, all or nothing, as {@code meshbox apply -f a.yaml -f b.yaml} does. */
    public List<String> apply(Path... files) {
        List<MeshAccess.ConfigText> config = new ArrayList<>();
        for (Path f : files) {
            try {
                config.add(new MeshAccess.ConfigText(f.toString(), Files.readString(f)));
            } catch (IOException e) {
                throw new IllegalArgumentException(f + ": cannot be read (" + f.toAbsolutePath() + ": " + e + ")", e);
            }
        }
        return apply(config);
    }

    /** Applies test resources ({@code istio/reviews-canary.yaml}, with or without {@code classpath:}), all or nothing. */
    public List<String> applyClasspath(String... resources) {
        List<MeshAccess.ConfigText> config = new ArrayList<>();
        for (String r : resources) {
            Locations.Text t = Locations.read(r.startsWith(Locations.CLASSPATH) ? r : Locations.CLASSPATH + r, loader);
            config.add(new MeshAccess.ConfigText(t.name(), t.text()));
        }
        return apply(config);
    }

    private List<String> apply(List<MeshAccess.ConfigText> config) {
        MeshAccess.ApplyOutcome outcome = running.access().apply(config);
        if (!outcome.ok()) {
            throw new AssertionError(
                    "Istio config rejected; nothing was applied and the mesh keeps its previous config:\n  "
                            + String.join("\n  ", outcome.problems()));
        }
        running.applied(config, scope);
        return outcome.changes();
    }

    /**
     * Removes the config tests applied, keeping the mesh's own (the ingress Gateway) and what {@code @BeforeAll}
     * applied. The extension does this before each test when the previous one changed the config.
     */
    public void reset() {
        running.reset();
    }

    // ---- traffic

    /**
     * Sends {@code count} requests and waits for every response. Never throws for a bad status: the returned
     * {@link Responses} say what came back and why.
     */
    public Responses send(int count, Request request) {
        if (count < 1 || count > MAX_REQUESTS) {
            throw new IllegalArgumentException("count: expected 1 to " + MAX_REQUESTS + ", got " + count);
        }
        MeshAccess mesh = running.access();
        String sender = request.from().equals(Request.INGRESS) ? GATEWAY : request.from();
        String runId = runPrefix + "-" + sends.incrementAndGet();
        Map<String, Long> before = mesh.counters(sender);
        List<TrafficDriver.Result> results;
        try {
            results = new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(
                                    request.from(),
                                    request.method(),
                                    request.url(),
                                    request.headers(),
                                    count,
                                    request.concurrency(),
                                    0,
                                    java.time.Duration.ZERO,
                                    java.util.Optional.empty(),
                                    0,
                                    request.tls()),
                            runId,
                            done -> {});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + request.describe(), e);
        }
        Map<String, Long> after = mesh.counters(sender);
        Set<String> ids = new HashSet<>();
        results.forEach(r -> ids.add(r.requestId()));
        List<MeshAccess.LogEntry> log = mesh.accessLog().stream()
                .filter(e -> ids.contains(e.requestId()))
                .toList();
        return Responses.of(request, runId, results, log, new Responses.Counters(sender, before, after), routing(log))
                .withZipkin(zipkin());
    }

    /**
     * How each proxy that sent these requests on routes the service it called, read now: a later test's config must
     * not rewrite the explanation of this one's results.
     */
    private Map<String, String> routing(List<MeshAccess.LogEntry> log) {
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> asked = new HashSet<>();
        for (MeshAccess.LogEntry e : log) {
            String service = AccessLogQueries.serviceOf(e.upstreamCluster());
            if (!"outbound".equals(e.direction()) || service.isEmpty() || out.containsKey(service)) {
                continue;
            }
            String[] cluster = e.upstreamCluster().split("\\|");
            // httpbin.legacy, not httpbin: outside default the short name would be the caller's namespace's service.
            String namespace = cluster[3].split("\\.").length > 1 ? cluster[3].split("\\.")[1] : "default";
            String host = (namespace.equals("default") ? service : service + "." + namespace) + ":" + cluster[1];
            // A gateway has no route by service name; ask each proxy once, not once per request.
            if (asked.add(e.pod() + " " + host)) {
                String caller = e.podLabels().getOrDefault("app", e.pod());
                running.access()
                        .describeRouting(e.pod(), host)
                        .ifPresent(how -> out.put(service, caller + "'s " + how));
            }
        }
        return out;
    }

    // ---- looking inside

    /** The counters of a workload's sidecar ({@code ingress} for the gateway), by Envoy's names. */
    public Map<String, Long> stats(String workload) {
        return running.access().counters(workload.equals(Request.INGRESS) ? GATEWAY : workload);
    }

    /**
     * POSTs to a workload's proxy admin port, as {@code kubectl exec POD -c istio-proxy -- curl -X POST
     * localhost:15000/drain_listeners} does (Istio's locality failover task); a drained pod leaves its services'
     * endpoints as the kubelet's readiness probe on 15021 would take it out. Returns the admin's answer.
     */
    public String proxyAdminPost(String workload, String path) {
        return running.access().proxyAdminPost(workload.equals(Request.INGRESS) ? GATEWAY : workload, path);
    }

    /** The access-log entries of a workload's proxies ({@code ingress} for the gateway), oldest first per pod. */
    public List<MeshAccess.LogEntry> accessLog(String workload) {
        return running.access().accessLog().stream()
                .filter(e -> AccessLogQueries.loggedBy(workload, e))
                .toList();
    }

    /**
     * Zipkin's base address ({@code http://IP:9411}, its API under {@code /api/v2}) when the test asked for
     * {@link MeshTest#tracing()}; empty otherwise.
     */
    public java.util.Optional<java.net.URI> zipkin() {
        return running.zipkin()
                .map(a -> java.net.URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort()));
    }

    /**
     * The outbound listener of {@code workload}'s sidecar, for a client of your own that sends as that workload would
     * (e.g. a grpc-java channel with authority {@code echo-grpc:7070}).
     */
    public InetSocketAddress sidecar(String workload) {
        return running.access().outboundOf(workload);
    }

    /** The ingress gateway's address, for a client of your own ({@code http://host:port/productpage}). */
    public InetSocketAddress ingress() {
        return running.access().ingress();
    }

    /**
     * A channel builder for a proxyless gRPC client of this mesh in namespace {@code default}: {@code
     * mesh.proxylessGrpc("xds:///echo-grpc:7070").build()} is a grpc-java channel whose xDS client takes its listeners,
     * routes, clusters and endpoints from the mesh's control plane, as Istio's proxyless gRPC clients do, and calls the
     * chosen pods straight (no sidecar on your side). Its bootstrap is its own (see {@link #proxylessBootstrap}), so
     * no JVM-wide setting leaks into other tests.
     */
    public io.grpc.ManagedChannelBuilder<?> proxylessGrpc(String target) {
        return proxylessGrpc(target, "default");
    }

    /** {@link #proxylessGrpc(String)} for a client in {@code namespace}, where short names resolve. */
    public io.grpc.ManagedChannelBuilder<?> proxylessGrpc(String target, String namespace) {
        return dev.meshbox.scenarios.ProxylessGrpcChannels.channel(
                target, proxylessClient(namespace).bootstrap());
    }

    /**
     * The bootstrap of a proxyless gRPC client in {@code namespace}, as the JSON file {@code GRPC_XDS_BOOTSTRAP} names
     * (or the system property {@code io.grpc.xds.bootstrapConfig} holds), for a client that uses
     * {@code Grpc.newChannelBuilder("xds:///...")} itself; both settings are global to the JVM.
     */
    public String proxylessBootstrap(String namespace) {
        return dev.meshbox.scenarios.ProxylessGrpcChannels.json(
                proxylessClient(namespace).bootstrap());
    }

    private MeshAccess.ProxylessClient proxylessClient(String namespace) {
        InetSocketAddress ads = running.access()
                .adsServer()
                .orElseThrow(() -> new UnsupportedOperationException(
                        "proxyless gRPC clients in the test JVM need the local backend ("
                                + running.settings().describe() + "): the test cannot reach this backend's pods"));
        // A node of its own per channel: grpc-java opens a stream per target, and apply's wait follows each by node.
        return new MeshAccess.ProxylessClient(
                ads,
                "proxyless-" + runPrefix.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-") + "-"
                        + proxylessChannels.incrementAndGet(),
                namespace,
                "127.0.0.1");
    }

    /** The seed the mesh runs with, from {@code @MeshTest(seed = ...)}, the scenario or {@code -Dmeshbox.seed}. */
    public OptionalLong seed() {
        return running.seed();
    }

    @Override
    public String toString() {
        return "Mesh[" + running.settings().describe() + ", ingress " + RunningMesh.hostPort(ingress()) + ", requests "
                + runPrefix + "-N]";
    }
}
