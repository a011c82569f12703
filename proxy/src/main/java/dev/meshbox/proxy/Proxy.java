package dev.meshbox.proxy;

import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.admin.AdminEndpoints;
import dev.meshbox.proxy.admin.AdminHttpServer;
import dev.meshbox.proxy.admin.AdminSources;
import dev.meshbox.proxy.cluster.ClusterCatalog;
import dev.meshbox.proxy.endpoint.SocketTransport;
import dev.meshbox.proxy.filter.HttpFilterFactory;
import dev.meshbox.proxy.http.HttpConnectionManager;
import dev.meshbox.proxy.listener.ListenerManager;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.spec.HttpFilterTypes;
import dev.meshbox.proxy.stats.HttpStats;
import dev.meshbox.proxy.stats.IstioMetrics;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.stats.PrometheusRenderer;
import dev.meshbox.proxy.stats.Workload;
import dev.meshbox.proxy.tls.CertificatesView;
import dev.meshbox.proxy.tls.TlsProvider;
import dev.meshbox.proxy.tls.WorkloadTls;
import dev.meshbox.proxy.xds.AdsClient;
import dev.meshbox.proxy.xds.ConfigApplier;
import dev.meshbox.proxy.xds.NodeIdentity;
import dev.meshbox.proxy.xds.TypeUrls;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MeshBox proxy (sidecar or gateway): an ADS client feeding an immutable routing table, listeners on the
 * pod IP, upstream pools, an access log, and admin and health endpoints.
 */
public final class Proxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);
    private static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    private static final int ACCESS_LOG_ENTRIES = 10_000;
    /** Envoy's default: a cluster whose endpoints never arrive serves without them after this long. */
    private static final java.time.Duration INITIAL_FETCH_TIMEOUT = java.time.Duration.ofSeconds(15);

    private static final java.time.Duration BIND_WAIT = java.time.Duration.ofSeconds(5);

    private final ProxyOptions options;
    private final long seed;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final ScheduledThreadPoolExecutor xdsExecutor;
    private final AccessLog accessLog = new AccessLog(ACCESS_LOG_ENTRIES);
    /** The workload certificate and root as SDS delivers them, shared by listeners (inbound) and pools (outbound). */
    private final WorkloadTls workloadTls;

    private final ClusterCatalog catalog;
    private final ConfigApplier applier;
    private final ListenerManager listeners;
    private final HttpStats httpStats = new HttpStats();
    private final IstioMetrics metrics = new IstioMetrics();
    /** Spans to the collector cluster the connection managers' tracing names (Envoy's Zipkin reporter). */
    private final dev.meshbox.proxy.tracing.ZipkinReporter spans;

    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** What else readiness waits for, e.g. the pod's app accepting connections (Istio's rewritten app probe). */
    private volatile java.util.function.BooleanSupplier readinessGate = () -> true;

    private ManagedChannel channel;
    private AdsClient ads;
    private AdminHttpServer admin;
    private AdminHttpServer health;
    private AdminHttpServer prometheus;
    private long listenerGeneration;
    private boolean listenersBound;

    private Proxy(ProxyOptions options) {
        this.options = options;
        this.seed = options.randomSeed() != null ? options.randomSeed() : new SecureRandom().nextLong();
        this.ownGroup = options.sharedEventLoop() == null;
        this.group = ownGroup ? ProxyEventLoops.create(2, "meshbox-" + shortName(options)) : options.sharedEventLoop();
        this.xdsExecutor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "meshbox-xds-" + shortName(options));
            t.setDaemon(true);
            return t;
        });
        this.workloadTls = new WorkloadTls(options.clock());
        TlsProvider.current(); // chosen and logged once per process, at the first proxy's start

        this.xdsExecutor.setRemoveOnCancelPolicy(true);
        this.xdsExecutor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.catalog = new ClusterCatalog(
                new SocketTransport(
                        ProxyEventLoops.socketChannel(group),
                        options.bindAddress().isAnyLocalAddress() ? null : options.bindAddress(),
                        MAX_BODY_BYTES),
                options.ticker(),
                new SplittableRandom(seed ^ 0x5DEECE66DL),
                workloadTls);
        Workload self = new Workload(
                options.workloadName(),
                options.namespace(),
                options.labels().get("app"),
                options.labels().get("version"),
                options.podName(),
                Workload.clusterOf(options.labels()));
        PeerMetadata peerMetadata = new PeerMetadata(options.nodeId(), self, options.labels());
        HttpFilterFactory filters = new HttpFilterFactory(
                new HttpFilterFactory.Services(options.ticker(), peerMetadata, metrics, httpStats));
        this.applier = new ConfigApplier(catalog, options.clock(), HttpFilterTypes.builtIn(), filters, workloadTls);
        Random shared = new Random(seed);
        RandomSource random =
                options.seedIsExplicit() ? new RandomSource.PerRequest(seed, shared) : new RandomSource.Shared(shared);
        Random collectorPicks = new Random(seed ^ 0x2545F4914F6CDD1DL);
        this.spans = new dev.meshbox.proxy.tracing.ZipkinReporter(
                cluster -> collector(cluster, collectorPicks),
                java.time.Duration.ofSeconds(5),
                "meshbox-zipkin-" + shortName(options));
        HttpConnectionManager connectionManager = new HttpConnectionManager(new HttpConnectionManager.Services(
                options.role().serverHeader(),
                random,
                options.clock(),
                options.ticker(),
                accessLog,
                httpStats,
                new dev.meshbox.proxy.http.RequestTracing(tracingIdentity(options), spans)));
        this.listeners = new ListenerManager(
                group,
                ProxyEventLoops.serverChannel(group),
                options::bindAddressFor,
                applier.config()::get,
                connectionManager,
                MAX_BODY_BYTES,
                workloadTls,
                new dev.meshbox.proxy.tcp.TcpProxy.Services(
                        options.clock(), options.ticker(), random, accessLog, metrics.tcp(), self));
    }

    /**
     * Who this proxy is in its spans: Istio's default tracing service name {@code <app label>.<namespace>}
     * (APP_LABEL_AND_NAMESPACE; the workload name without an app label), its node id and pod IP.
     */
    static dev.meshbox.proxy.http.RequestTracing.Identity tracingIdentity(ProxyOptions options) {
        String app = options.labels().getOrDefault("app", options.workloadName());
        String ip = options.bindAddress() instanceof java.net.Inet4Address
                        && !options.bindAddress().isAnyLocalAddress()
                ? options.bindAddress().getHostAddress()
                : null;
        return new dev.meshbox.proxy.http.RequestTracing.Identity(
                app + "." + options.namespace(), options.nodeId(), ip);
    }

    /** An endpoint of {@code cluster} for the span reporter, or null when the proxy has no such cluster or host. */
    private InetSocketAddress collector(String cluster, Random random) {
        var c = applier.config().get().clusters().get(cluster);
        if (c == null) {
            return null;
        }
        var host = c.pick(random, Set.of(), 0);
        return host == null ? null : host.address();
    }

    /** Starts the admin and health servers and the ADS stream, and returns at once. */
    public static Proxy start(ProxyOptions options) {
        Proxy proxy = new Proxy(options);
        try {
            proxy.startServers();
            proxy.startAds();
        } catch (Exception e) {
            proxy.close();
            throw new IllegalStateException("cannot start proxy " + options.nodeId() + ": " + e.getMessage(), e);
        }
        return proxy;
    }

    private void startServers() throws InterruptedException {
        var sources = new AdminSources(
                ready::isDone,
                applier,
                () -> ads.status(),
                applier.config()::get,
                accessLog,
                listeners::boundPorts,
                listeners::bindErrors,
                () -> {
                    Map<String, Long> stats = new java.util.TreeMap<>(httpStats.snapshot());
                    stats.putAll(spans.stats());
                    return stats;
                },
                () -> CertificatesView.render(
                        workloadTls.secrets(), options.clock().instant()),
                listeners::drain);
        var serverChannel = ProxyEventLoops.serverChannel(group);
        admin = AdminHttpServer.start(
                group,
                serverChannel,
                new InetSocketAddress(options.serverBindAddress(), options.adminPort()),
                xdsExecutor,
                new AdminEndpoints(sources));
        health = AdminHttpServer.start(
                group,
                serverChannel,
                new InetSocketAddress(options.serverBindAddress(), options.healthPort()),
                xdsExecutor,
                // Envoy serves 15021 from a listener of its own, which drain_listeners stops too: a drained proxy is
                // no longer ready, and Kubernetes takes its pod out of the endpoints.
                AdminEndpoints.health(() -> ready.isDone() && readinessGate.getAsBoolean() && !listeners.drainedAll()));
        prometheus = AdminHttpServer.start(
                group,
                serverChannel,
                new InetSocketAddress(options.serverBindAddress(), options.prometheusPort()),
                xdsExecutor,
                AdminEndpoints.prometheus(() -> PrometheusRenderer.render(
                        metrics, applier.config().get().clusters(), httpStats.snapshot())));
    }

    private void startAds() {
        channel = NettyChannelBuilder.forAddress(
                        options.xdsServer().getHostString(), options.xdsServer().getPort())
                .usePlaintext()
                .executor(xdsExecutor)
                .build();
        ads = new AdsClient(
                channel, identity(), xdsExecutor, this::apply, new Random(seed ^ 0x9E3779B97F4A7C15L), options.clock());
        ads.start();
    }

    /** Runs on the xDS thread for every response. */
    private String apply(String typeUrl, String version, List<com.google.protobuf.Any> resources) {
        String error = applier.apply(typeUrl, version, resources);
        if (error != null) {
            return error;
        }
        if (typeUrl.equals(TypeUrls.LISTENER) || typeUrl.equals(TypeUrls.CLUSTER)) {
            ads.subscribe(TypeUrls.SECRET, applier.wantedSecretNames());
        }
        if (typeUrl.equals(TypeUrls.LISTENER)) {
            ads.subscribe(TypeUrls.ROUTE, applier.wantedRouteNames());
            long generation = ++listenerGeneration;
            listenersBound = false;
            CompletableFuture<Void> bound = listeners.reconcile(applier.listenerSpecs());
            bound.whenComplete((v, t) -> xdsExecutor.execute(() -> {
                if (generation == listenerGeneration) {
                    listenersBound = true;
                    checkReady();
                }
            }));
            awaitBinds(bound);
        } else if (typeUrl.equals(TypeUrls.CLUSTER)) {
            ads.subscribe(TypeUrls.ENDPOINT, applier.wantedEndpointNames());
            Set<String> warming = applier.warmingClusters();
            if (!warming.isEmpty()) {
                xdsExecutor.schedule(
                        () -> applier.finishWarming(warming), INITIAL_FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        checkReady();
        return null;
    }

    /**
     * The LDS ACK follows the binds, as Envoy binds a new listener's socket before it ACKs: once the control plane has
     * heard the ACK, a request to a listener just added finds it open. A bind that fails is logged and reported on
     * the admin API; it does not hold the ACK, nor does one slower than {@link #BIND_WAIT}.
     */
    private static void awaitBinds(CompletableFuture<Void> bound) {
        try {
            bound.get(BIND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("listeners not all bound before the LDS ACK: {}", e.toString());
        }
    }

    private void checkReady() {
        if (ready.isDone()) {
            return;
        }
        if (applier.hasApplied(TypeUrls.LISTENER)
                && applier.hasApplied(TypeUrls.CLUSTER)
                && listenersBound
                && applier.receivedRouteNames().containsAll(applier.wantedRouteNames())
                && applier.receivedEndpointNames().containsAll(applier.wantedEndpointNames())
                && applier.receivedSecretNames().containsAll(applier.wantedSecretNames())) {
            LOG.info("{}: ready (listeners on {})", options.nodeId(), listeners.boundPorts());
            ready.complete(null);
        }
    }

    private NodeIdentity identity() {
        return new NodeIdentity(
                options.nodeId(),
                options.nodeCluster(),
                options.namespace(),
                options.podName(),
                options.workloadName(),
                options.labels(),
                options.bindAddress().getHostAddress(),
                options.proxyConfig());
    }

    private static String shortName(ProxyOptions o) {
        return o.podName().isEmpty() ? o.bindAddress().getHostAddress() : o.podName();
    }

    /**
     * Makes {@code /healthz/ready} on the health port also wait for {@code gate}, as Istio's agent folds the app's
     * readiness probe into the pod's: the mesh sends a pod no traffic before its app listens.
     */
    public void readinessGate(java.util.function.BooleanSupplier gate) {
        this.readinessGate = gate;
    }

    /** Completes once the first LDS, CDS, EDS and RDS are applied and the listeners are bound. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    public InetSocketAddress prometheusAddress() {
        return prometheus.address();
    }

    /** The workload certificate and root SDS delivered, as this proxy's TLS uses them. */
    public WorkloadTls workloadTls() {
        return workloadTls;
    }

    /** Istio's standard metrics this proxy recorded. */
    public IstioMetrics metrics() {
        return metrics;
    }

    public InetSocketAddress healthAddress() {
        return health.address();
    }

    /** The seed every random choice derives from; log it to replay a run. */
    public long seed() {
        return seed;
    }

    public ProxyOptions options() {
        return options;
    }

    /** Closes listeners, pools, the ADS stream and the admin servers; safe to call twice. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (ads != null) {
            ads.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        listeners.close();
        if (admin != null) {
            admin.close();
        }
        if (health != null) {
            health.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        catalog.close();
        spans.close();
        xdsExecutor.shutdown();
        try {
            xdsExecutor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (!ready.isDone()) {
            ready.completeExceptionally(new IllegalStateException("proxy closed before it was ready"));
        }
    }
}
