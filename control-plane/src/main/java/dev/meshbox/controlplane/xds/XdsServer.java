package dev.meshbox.controlplane.xds;

import com.google.common.cache.CacheBuilder;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS server: java-control-plane's {@link V3DiscoveryServer} over a {@link SimpleCache} holding one versioned
 * snapshot per proxy. Its parts: {@link ResourceVersions} versions each type by content, so a change to routes pushes
 * routes only; {@link AckLedger} records what each proxy ACKed or NACKed; {@link Convergence} waits for proxies to
 * hold what they should.
 *
 * <p>Proxies of one group hold the very same resource lists, and their snapshots share everything built from them, so
 * a snapshot per proxy costs a few references. The cache still keys snapshots by node id rather than by group: a
 * node's group follows its labels, which can change while its stream is open, and {@code SimpleCache} keeps a
 * stream's watches under the group it had when it asked.
 */
public final class XdsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XdsServer.class);
    private static final Duration RESCAN = Duration.ofMillis(100);
    /** Snapshots whose consistency is remembered; a mesh has about one per proxy group and change. */
    private static final int CONSISTENCY_MEMO = 4096;

    /** What a proxyless client should ACK before it asked for anything: nothing. */
    private static final Map<String, AckLedger.Wanted> ON_DEMAND = Map.of(
            Resources.V3.SECRET_TYPE_URL, AckLedger.Wanted.NOTHING,
            Resources.V3.CLUSTER_TYPE_URL, AckLedger.Wanted.NOTHING,
            Resources.V3.ENDPOINT_TYPE_URL, AckLedger.Wanted.NOTHING,
            Resources.V3.LISTENER_TYPE_URL, AckLedger.Wanted.NOTHING,
            Resources.V3.ROUTE_TYPE_URL, AckLedger.Wanted.NOTHING);

    /** What a node's last snapshot holds: each type's version, and what the node should ACK of each type. */
    private record Target(Map<String, String> versions, Map<String, AckLedger.Wanted> wanted) {}

    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private final ResourceVersions versions = new ResourceVersions();
    private final Convergence convergence = new Convergence(RESCAN);
    private final AckLedger ledger = new AckLedger(convergence::heardFrom);
    private final PilotMetrics metrics = new PilotMetrics();
    private final ProxylessNodes proxyless = new ProxylessNodes();
    private final ProxyConfigNodes proxyConfigs = new ProxyConfigNodes();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    /** Proxyless gRPC nodes: they ask for resources by name on demand, so what they should ACK follows their asking. */
    private final Set<String> onDemand = ConcurrentHashMap.newKeySet();
    /** Per snapshot (its four type versions), the consistency problem found in it, or "". */
    private final ConcurrentMap<Map<String, String>, String> consistency = CacheBuilder.newBuilder()
            .maximumSize(CONSISTENCY_MEMO)
            .<Map<String, String>, String>build()
            .asMap();
    /** Per snapshot, the SDS secrets its listeners and clusters name (what the proxy subscribes to). */
    private final ConcurrentMap<Map<String, String>, Set<String>> secretNames = CacheBuilder.newBuilder()
            .maximumSize(CONSISTENCY_MEMO)
            .<Map<String, String>, Set<String>>build()
            .asMap();

    private Server server;
    private ExecutorService[] senders;

    public void start(InetSocketAddress bind) {
        // The serializer packs each resource into its Any once per message object: snapshots share their outbound
        // clusters, endpoints and routes between proxies, so a push to 1000 sidecars serializes them once.
        // Each stream sends on one of a few threads, always the same one, so its responses keep their order: a rebuild
        // publishing 1000 snapshots then only queues the pushes, and they are serialized and written on every core.
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger started = new AtomicInteger();
        senders = new ExecutorService[threads];
        for (int i = 0; i < threads; i++) {
            senders[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "xds-send-" + started.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        }
        AtomicLong streamsOpened = new AtomicLong();
        V3DiscoveryServer discovery = new V3DiscoveryServer(
                List.of(ledger, proxyless, proxyConfigs, metrics),
                cache,
                () -> senders[(int) (streamsOpened.getAndIncrement() % threads)],
                new IdentitySerializer());
        server = NettyServerBuilder.forAddress(bind)
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .addService(discovery.getClusterDiscoveryServiceImpl())
                .addService(discovery.getEndpointDiscoveryServiceImpl())
                .addService(discovery.getListenerDiscoveryServiceImpl())
                .addService(discovery.getRouteDiscoveryServiceImpl())
                .addService(discovery.getSecretDiscoveryServiceImpl())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start the xDS server on " + bind.getHostString() + ":" + bind.getPort() + " ("
                            + e.getMessage() + "); is another mesh running?",
                    e);
        }
    }

    /** istiod's xDS metrics ({@code pilot_xds}, {@code pilot_xds_pushes}, ...) with {@code gauges}, as Prometheus text. */
    public String prometheusText(Map<String, Long> gauges) {
        return metrics.prometheusText(gauges);
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Publishes one proxy's resources as a new snapshot; unchanged types keep their versions and are not resent. Each
     * list is versioned, named and wrapped for java-control-plane once (see {@link ResourceVersions}), so the snapshot
     * of each further proxy holding it costs a few lookups.
     *
     * @return whether the proxy's snapshot now holds {@code r}: false when {@code r} is inconsistent (a route or an
     *     assignment it refers to is missing), and the proxy keeps its last consistent snapshot
     */
    public boolean publish(String node, ProxyResources r) {
        return publish(node, r, false);
    }

    /**
     * Publishes a proxyless gRPC client's resources: such a client asks for the few it uses by name, so what it
     * should ACK is the snapshot's version of those (see {@link #wanted(String, Target)}).
     */
    public boolean publishProxyless(String node, ProxyResources r) {
        return publish(node, r, true);
    }

    /**
     * The proxyless gRPC clients connected now (nodes with metadata {@code GENERATOR: grpc}), node id to the namespace
     * they resolve short names in.
     */
    public Map<String, ProxylessClient> proxylessClients() {
        Map<String, ProxylessClient> out = new TreeMap<>();
        Map<String, Set<String>> servers = proxyless.serverListeners();
        proxyless
                .clients()
                .forEach((id, c) ->
                        out.put(id, new ProxylessClient(c.namespace(), servers.getOrDefault(id, Set.of()))));
        return out;
    }

    /**
     * A connected proxyless gRPC node: the namespace its short names resolve in, and the server listeners
     * ({@code xds.istio.io/grpc/lds/inbound/HOST:PORT}) its {@code XdsServerBuilder} servers asked for.
     */
    public record ProxylessClient(String namespace, Set<String> serverListeners) {}

    /**
     * Calls {@code onChange} when a proxyless gRPC client connects (before its first request is answered, on the
     * stream's thread) and when the last stream of one closes.
     */
    public void onProxylessChange(Runnable onChange) {
        proxyless.onChange(onChange::run);
    }

    /**
     * Node id to the {@code tracing.sampling} of the {@code ProxyConfig} its proxy sent (node metadata
     * {@code PROXY_CONFIG}, from the pod's {@code proxy.istio.io/config} annotation), for the nodes that sent one.
     */
    public Map<String, Double> proxyConfigSampling() {
        return proxyConfigs.tracingSampling();
    }

    /** Calls {@code onChange} when a node's {@code PROXY_CONFIG} sampling is new or changed (on the stream's thread). */
    public void onProxyConfigChange(Runnable onChange) {
        proxyConfigs.onChange(onChange);
    }

    private boolean publish(String node, ProxyResources r, boolean proxylessNode) {
        if (proxylessNode) {
            onDemand.add(node);
        } else {
            onDemand.remove(node);
        }
        ResourceVersions.Typed clusters = versions.of(r.clusters(), Cluster::getName);
        ResourceVersions.Typed endpoints = versions.of(r.endpoints(), ClusterLoadAssignment::getClusterName);
        ResourceVersions.Typed listeners = versions.of(r.listeners(), Listener::getName);
        ResourceVersions.Typed routes = versions.of(r.routes(), RouteConfiguration::getName);
        ResourceVersions.Typed secrets = versions.of(r.secrets(), Secret::getName);
        Map<String, String> typeVersions = Map.of(
                Resources.V3.SECRET_TYPE_URL, secrets.version(),
                Resources.V3.CLUSTER_TYPE_URL, clusters.version(),
                Resources.V3.ENDPOINT_TYPE_URL, endpoints.version(),
                Resources.V3.LISTENER_TYPE_URL, listeners.version(),
                Resources.V3.ROUTE_TYPE_URL, routes.version());
        Target last = targets.get(node);
        if (last != null && last.versions().equals(typeVersions)) {
            return true; // the same resources as the snapshot last set, hence consistent: nothing to push
        }
        String inconsistency =
                consistency.computeIfAbsent(typeVersions, v -> Objects.requireNonNullElse(Consistency.check(r), ""));
        if (!inconsistency.isEmpty()) {
            // A translator bug, not a user error: keep the proxy on its last consistent snapshot.
            LOG.error("inconsistent snapshot for {} not published: {}", node, inconsistency);
            return false;
        }
        // Wanted before the snapshot is set, so no ACK of it can be judged against the previous target.
        Set<String> named = secretNames.computeIfAbsent(
                typeVersions, v -> Set.copyOf(SdsReferences.names(r.listeners(), r.clusters())));
        targets.put(
                node,
                new Target(
                        typeVersions,
                        proxylessNode ? ON_DEMAND : wanted(clusters, endpoints, listeners, routes, secrets, named)));
        cache.setSnapshot(
                node,
                new PrehashedSnapshot(
                        clusters.resources(),
                        endpoints.resources(),
                        listeners.resources(),
                        routes.resources(),
                        secrets.resources()));
        return true;
    }

    /**
     * What a proxy should ACK of each type. Routes and endpoints are asked for by name: an ACK must cover every name
     * of the snapshot, and with none in it a proxy asks for none and ACKs none, so nothing is wanted. Secrets too, but
     * a proxy asks only for those its TLS contexts name ({@code secretsNamed}): a convergence wait then covers the
     * workload certificate, so that once it ends a STRICT port has its TLS context and an mTLS client its certificate.
     */
    private static Map<String, AckLedger.Wanted> wanted(
            ResourceVersions.Typed clusters,
            ResourceVersions.Typed endpoints,
            ResourceVersions.Typed listeners,
            ResourceVersions.Typed routes,
            ResourceVersions.Typed secrets,
            Set<String> secretsNamed) {
        Set<String> wantedSecrets = new java.util.TreeSet<>(secrets.names());
        wantedSecrets.retainAll(secretsNamed);
        return Map.of(
                Resources.V3.SECRET_TYPE_URL,
                wantedSecrets.isEmpty()
                        ? AckLedger.Wanted.NOTHING
                        : new AckLedger.Wanted(
                                secrets.resources().resourceVersionResolver().version(List.copyOf(wantedSecrets)),
                                wantedSecrets),
                Resources.V3.CLUSTER_TYPE_URL,
                new AckLedger.Wanted(clusters.version(), Set.of()),
                Resources.V3.ENDPOINT_TYPE_URL,
                byName(endpoints),
                Resources.V3.LISTENER_TYPE_URL,
                new AckLedger.Wanted(listeners.version(), Set.of()),
                Resources.V3.ROUTE_TYPE_URL,
                byName(routes));
    }

    /**
     * What a node should ACK now. For a proxyless gRPC node that is, per type, the snapshot's version for the names it
     * last asked for, when the snapshot holds them all (java-control-plane answers nothing otherwise: grpc-java then
     * reports the resource missing, and no wait can end sooner for it). A node with several streams (grpc-java opens one
     * per target, all with the bootstrap's one node id) asks for different names on each while the ledger keeps one
     * record per node: it is not waited for.
     */
    private Map<String, AckLedger.Wanted> wanted(String node, Target target) {
        if (!onDemand.contains(node)) {
            return target.wanted();
        }
        Snapshot snapshot = cache.getSnapshot(node);
        if (snapshot == null || ledger.streamCount(node) != 1) {
            return ON_DEMAND;
        }
        Map<String, AckLedger.Wanted> out = new java.util.HashMap<>(ON_DEMAND);
        for (String type : AckLedger.TYPES) {
            List<String> names = ledger.requested(node, type);
            if (!names.isEmpty() && snapshot.resources(type).keySet().containsAll(names)) {
                out.put(type, new AckLedger.Wanted(snapshot.version(type, names), Set.copyOf(names)));
            }
        }
        return out;
    }

    private static AckLedger.Wanted byName(ResourceVersions.Typed typed) {
        return typed.names().isEmpty()
                ? AckLedger.Wanted.NOTHING
                : new AckLedger.Wanted(typed.version(), typed.names());
    }

    /** Forgets a proxy that left the mesh. */
    public void remove(String nodeId) {
        cache.clearSnapshot(nodeId);
        targets.remove(nodeId);
        onDemand.remove(nodeId);
        ledger.forget(nodeId);
    }

    public Set<String> nodes() {
        return Set.copyOf(targets.keySet());
    }

    /** The snapshot last set in the cache for a proxy, or null. */
    Snapshot snapshot(String nodeId) {
        return cache.getSnapshot(nodeId);
    }

    public Map<String, ProxyStatus> status() {
        Map<String, ProxyStatus> out = new TreeMap<>();
        targets.forEach((node, target) -> out.put(node, ledger.status(node, wanted(node, target))));
        return out;
    }

    /**
     * Waits until every given proxy has ACKed the versions it should have; ends at once when one NACKed the version
     * it should hold, and at the timeout otherwise, saying which proxies lag. A proxy no longer in the mesh counts as
     * done.
     */
    public Convergence.Outcome awaitAcked(Set<String> nodes, Duration timeout) throws InterruptedException {
        return convergence.await(nodes, timeout, node -> {
            Target target = targets.get(node);
            return target == null ? Convergence.Sync.SYNCED : ledger.sync(node, wanted(node, target));
        });
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (senders != null) {
            for (ExecutorService sender : senders) {
                sender.shutdownNow();
            }
        }
    }
}
