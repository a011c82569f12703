package dev.meshbox.controlplane.xds;

import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS server: java-control-plane's {@link V3DiscoveryServer} over a {@link SimpleCache} holding one
 * versioned snapshot per proxy (grouped by node id). Each type's version is a digest of its resources, so a
 * change to routes pushes routes only. The callbacks record what each proxy ACKed or NACKed.
 *
 * <p>Proxies of one group (see {@link Translator#translateAll}) hold the very same resource lists, and their
 * snapshots share everything built from them, so a snapshot per proxy costs a few references. The cache still keys
 * snapshots by node id rather than by group: a node's group follows its labels, which can change while its stream is
 * open, and {@code SimpleCache} keeps a stream's watches under the group it had when it asked.
 */
public final class XdsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XdsServer.class);
    static final List<String> TYPES = List.of(
            Resources.V3.CLUSTER_TYPE_URL,
            Resources.V3.ENDPOINT_TYPE_URL,
            Resources.V3.LISTENER_TYPE_URL,
            Resources.V3.ROUTE_TYPE_URL);

    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private final Map<Long, String> streams = new ConcurrentHashMap<>();
    /** The open streams of each node that has one (a proxy reconnecting may briefly have two). */
    private final Map<String, Set<Long>> nodeStreams = new ConcurrentHashMap<>();

    private final Map<String, Map<String, String[]>> state =
            new ConcurrentHashMap<>(); // node -> type -> [sent, acked, nacked, reason]
    private final Map<String, Map<String, String>> wanted = new ConcurrentHashMap<>();
    private final Map<String, XdsResources> resources = new ConcurrentHashMap<>();
    /** Per node, the type versions of the snapshot last set in the cache. */
    private final Map<String, Map<String, String>> published = new ConcurrentHashMap<>();
    /** Per node, the endpoint and route names its snapshot holds: asked for by name, so an ACK may cover fewer. */
    private final Map<String, Map<String, Set<String>>> wantedNames = new ConcurrentHashMap<>();
    /** Per node and type, the names each response (by nonce) was for, and those of the last ACKed response. */
    private final Map<String, Map<String, String>> sentNames = new ConcurrentHashMap<>();

    private final Map<String, Set<String>> ackedNames = new ConcurrentHashMap<>();
    private static final Set<String> WILDCARD = Set.of("*");
    /**
     * The {@link #awaitAcked} calls under way. The ACK path only adds the node to each and unparks its thread: it
     * takes no lock a waiter holds, so a waiter looking at 1000 lagging proxies never stalls the streams' threads
     * (with one shared monitor it did, and a change took seconds to converge instead of a few hundred ms).
     */
    private final List<Waiter> waiters = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** One {@link #awaitAcked} call: the nodes heard from since it last looked, and the thread to wake. */
    private record Waiter(Set<String> changed, Thread thread) {
        void heardFrom(String node) {
            if (changed.add(node)) {
                java.util.concurrent.locks.LockSupport.unpark(thread);
            }
        }
    }

    private static final Duration RESCAN = Duration.ofMillis(100);
    /** Resource digests by message identity (weak keys compare by identity), for {@link #digest}. */
    private final java.util.concurrent.ConcurrentMap<com.google.protobuf.Message, ResourceDigest> messageDigests =
            com.google.common.cache.CacheBuilder.newBuilder()
                    .weakKeys()
                    .<com.google.protobuf.Message, ResourceDigest>build()
                    .asMap();
    /**
     * Per list of resources (weak keys compare by identity), what {@link #typeResources} derived from it; lists are
     * immutable and shared between the proxies of a group, and between rebuilds when nothing changed.
     */
    private final java.util.concurrent.ConcurrentMap<List<?>, TypeResources> typeResources =
            com.google.common.cache.CacheBuilder.newBuilder()
                    .weakKeys()
                    .<List<?>, TypeResources>build()
                    .asMap();
    /** Per resources object (by identity), the snapshot consistency problem found in it, or "". */
    private final java.util.concurrent.ConcurrentMap<XdsResources, String> consistency =
            com.google.common.cache.CacheBuilder.newBuilder()
                    .weakKeys()
                    .<XdsResources, String>build()
                    .asMap();

    private Server server;
    private java.util.concurrent.ExecutorService[] senders;

    public void start(InetSocketAddress bind) {
        // The serializer packs each resource into its Any once per message object: snapshots share their outbound
        // clusters, endpoints and routes between proxies, so a push to 1000 sidecars serializes them once.
        // Each stream sends on one of a few threads, always the same one, so its responses keep their order: a rebuild
        // publishing 1000 snapshots then only queues the pushes, and they are serialized and written on every core.
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        senders = new java.util.concurrent.ExecutorService[threads];
        for (int i = 0; i < threads; i++) {
            senders[i] = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "xds-send-" + started.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        }
        java.util.concurrent.atomic.AtomicLong streamsOpened = new java.util.concurrent.atomic.AtomicLong();
        V3DiscoveryServer discovery = new V3DiscoveryServer(
                List.of(new Callbacks()),
                cache,
                () -> senders[(int) (streamsOpened.getAndIncrement() % threads)],
                new IdentitySerializer());
        server = NettyServerBuilder.forAddress(bind)
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .addService(discovery.getClusterDiscoveryServiceImpl())
                .addService(discovery.getEndpointDiscoveryServiceImpl())
                .addService(discovery.getListenerDiscoveryServiceImpl())
                .addService(discovery.getRouteDiscoveryServiceImpl())
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

    public int port() {
        return server.getPort();
    }

    /**
     * Publishes one proxy's resources as a new snapshot; unchanged types keep their versions and are not resent.
     * Proxies of one group hold the same lists (see {@link Translator#translateAll}): each list is versioned, named and
     * wrapped for java-control-plane once, so the snapshot of each further proxy holding it costs a few lookups.
     */
    public void publish(Pod proxy, XdsResources r) {
        String node = proxy.nodeId();
        TypeResources clusters = typeResources(r.clusters(), Cluster::getName);
        TypeResources endpoints = typeResources(r.endpoints(), ClusterLoadAssignment::getClusterName);
        TypeResources listeners = typeResources(r.listeners(), Listener::getName);
        TypeResources routes = typeResources(r.routes(), RouteConfiguration::getName);
        Map<String, String> versions = Map.of(
                Resources.V3.CLUSTER_TYPE_URL,
                clusters.version(),
                Resources.V3.ENDPOINT_TYPE_URL,
                endpoints.version(),
                Resources.V3.LISTENER_TYPE_URL,
                listeners.version(),
                Resources.V3.ROUTE_TYPE_URL,
                routes.version());
        if (versions.equals(published.get(node))) {
            resources.put(node, r);
            return; // the same resources as the snapshot last set, hence consistent: nothing to push
        }
        String inconsistency =
                consistency.computeIfAbsent(r, x -> java.util.Objects.requireNonNullElse(Consistency.check(x), ""));
        if (!inconsistency.isEmpty()) {
            // A translator bug, not a user error: keep the proxy on its last consistent snapshot.
            LOG.error("inconsistent snapshot for {} not published: {}", node, inconsistency);
            return;
        }
        // Routes and endpoints are asked for by name; with none in the snapshot a proxy asks for none and ACKs none.
        Map<String, String> expected = new LinkedHashMap<>(versions);
        if (r.routes().isEmpty()) {
            expected.put(Resources.V3.ROUTE_TYPE_URL, "");
        }
        if (r.endpoints().isEmpty()) {
            expected.put(Resources.V3.ENDPOINT_TYPE_URL, "");
        }
        resources.put(node, r);
        published.put(node, versions);
        wantedNames.put(
                node,
                Map.of(Resources.V3.ENDPOINT_TYPE_URL, endpoints.names(), Resources.V3.ROUTE_TYPE_URL, routes.names()));
        wanted.put(node, expected);
        cache.setSnapshot(
                node,
                new PrehashedSnapshot(
                        clusters.resources(), endpoints.resources(), listeners.resources(), routes.resources()));
    }

    /**
     * What the server derives from one list of resources of a type: its version (see {@link #digest}), the names in
     * it, and java-control-plane's immutable view of it with each resource's own version.
     */
    private record TypeResources(String version, Set<String> names, SnapshotResources<?> resources) {}

    private <T extends com.google.protobuf.Message> TypeResources typeResources(
            List<T> list, Function<T, String> name) {
        TypeResources known = typeResources.get(list); // a plain read first: the cache's compute path locks
        return known != null
                ? known
                : typeResources.computeIfAbsent(list, l -> {
                    String version = digest(list);
                    Set<String> names = new java.util.HashSet<>();
                    list.forEach(m -> names.add(name.apply(m)));
                    return new TypeResources(
                            version,
                            Set.copyOf(names),
                            PrehashedSnapshot.resources(
                                    list,
                                    new NamedVersions<>(
                                            list, name, m -> messageDigest(m).bytes(), version),
                                    m -> messageDigest(m).hex()));
                });
    }

    /** Forgets a proxy that left the mesh. */
    public void remove(String nodeId) {
        cache.clearSnapshot(nodeId);
        wanted.remove(nodeId);
        resources.remove(nodeId);
        published.remove(nodeId);
        state.remove(nodeId);
        wantedNames.remove(nodeId);
        sentNames.keySet().removeIf(k -> k.startsWith(nodeId + " "));
        ackedNames.keySet().removeIf(k -> k.startsWith(nodeId + " "));
    }

    public Set<String> nodes() {
        return Set.copyOf(wanted.keySet());
    }

    public XdsResources resources(String nodeId) {
        return resources.get(nodeId);
    }

    /** The snapshot last set in the cache for a proxy, or null. */
    Snapshot snapshot(String nodeId) {
        return cache.getSnapshot(nodeId);
    }

    public Map<String, ProxyStatus> status() {
        Map<String, ProxyStatus> out = new TreeMap<>();
        for (Map.Entry<String, Map<String, String>> e : wanted.entrySet()) {
            out.put(e.getKey(), status(e.getKey(), e.getValue()));
        }
        return out;
    }

    private ProxyStatus status(String node, Map<String, String> want) {
        Map<String, String[]> s = state.getOrDefault(node, Map.of());
        Map<String, ProxyStatus.TypeStatus> types = new LinkedHashMap<>();
        for (String type : TYPES) {
            String[] v = s.getOrDefault(type, new String[4]);
            String acked = nz(v[1]);
            // The right version ACKed for fewer names than the snapshot holds (a proxy that has just learned of a new
            // cluster and not yet asked for its endpoints) is not in sync yet: traffic to that cluster would see it
            // still warming.
            Set<String> names = wantedNames.getOrDefault(node, Map.of()).getOrDefault(type, Set.of());
            Set<String> covered = ackedNames.getOrDefault(node + " " + type, Set.of());
            if (!acked.isEmpty() && covered != WILDCARD && !covered.containsAll(names)) {
                Set<String> missing = new java.util.TreeSet<>(names);
                missing.removeAll(covered);
                acked = acked + " (not yet for " + missing.iterator().next()
                        + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : "") + ")";
            }
            types.put(
                    shortType(type),
                    new ProxyStatus.TypeStatus(want.getOrDefault(type, ""), nz(v[0]), acked, nz(v[2]), nz(v[3])));
        }
        return new ProxyStatus(node, nodeStreams.containsKey(node), types);
    }

    private enum Sync {
        SYNCED,
        LAGGING,
        REJECTED
    }

    /**
     * What {@code status(node, want)} says of synced and rejected, without building it: {@link #awaitAcked} asks this
     * of every lagging proxy on every ACK.
     */
    private Sync sync(String node, Map<String, String> want) {
        Map<String, String[]> s = state.getOrDefault(node, Map.of());
        Sync out = Sync.SYNCED;
        for (String type : TYPES) {
            String wanted = want.getOrDefault(type, "");
            if (wanted.isEmpty()) {
                continue;
            }
            String[] v = s.getOrDefault(type, new String[4]);
            boolean acked = wanted.equals(v[1]) && coversNames(node, type);
            if (!acked && wanted.equals(v[2])) {
                return Sync.REJECTED;
            }
            if (!acked) {
                out = Sync.LAGGING;
            }
        }
        return out;
    }

    /** Whether the last ACK of a type covered every name of the snapshot (see {@link #status(String, Map)}). */
    private boolean coversNames(String node, String type) {
        Set<String> covered = ackedNames.getOrDefault(node + " " + type, Set.of());
        return covered == WILDCARD
                || covered.containsAll(wantedNames.getOrDefault(node, Map.of()).getOrDefault(type, Set.of()));
    }

    /**
     * Waits until every given proxy has ACKed the versions it should have; false at the timeout, or at once when a
     * proxy NACKed the version it should hold. This is how callers know an apply has taken effect in the data
     * plane, without sleeping.
     */
    public boolean awaitAcked(Set<String> nodes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // A proxy once in sync stays done: it holds the caller's change or a later one. After the first look, an ACK
        // or NACK has the nodes it came from looked at again, not every lagging one (1000 ACKs from 1000 proxies
        // would be a million checks); all of them are looked at again every RESCAN in case something else moved.
        Set<String> lagging = new java.util.HashSet<>(nodes);
        Waiter waiter = new Waiter(ConcurrentHashMap.newKeySet(), Thread.currentThread());
        Set<String> changed = waiter.changed();
        waiters.add(waiter);
        try {
            long rescanAt = System.nanoTime();
            while (true) {
                List<String> look;
                if (System.nanoTime() - rescanAt >= 0) {
                    rescanAt = System.nanoTime() + RESCAN.toNanos();
                    changed.clear();
                    look = new ArrayList<>(lagging);
                } else {
                    look = new ArrayList<>();
                    for (java.util.Iterator<String> it = changed.iterator(); it.hasNext(); ) {
                        look.add(it.next());
                        it.remove();
                    }
                }
                for (String node : look) {
                    if (!lagging.contains(node)) {
                        continue;
                    }
                    Map<String, String> want = wanted.get(node);
                    Sync sync = want == null ? Sync.SYNCED : sync(node, want);
                    if (sync == Sync.REJECTED) {
                        return false; // a NACK of the current version: say so now rather than at the timeout
                    }
                    if (sync == Sync.SYNCED) {
                        lagging.remove(node);
                    }
                }
                if (lagging.isEmpty()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (changed.isEmpty()) {
                    // An ACK arriving between the check and the park unparks first, and the park returns at once.
                    java.util.concurrent.locks.LockSupport.parkNanos(
                            this, Math.min(left, Math.max(0, rescanAt - System.nanoTime())));
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiters.remove(waiter);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static String shortType(String typeUrl) {
        if (typeUrl.endsWith("Cluster")) {
            return "CDS";
        }
        if (typeUrl.endsWith("ClusterLoadAssignment")) {
            return "EDS";
        }
        if (typeUrl.endsWith("Listener")) {
            return "LDS";
        }
        return typeUrl.endsWith("RouteConfiguration") ? "RDS" : typeUrl;
    }

    /**
     * A type's version: SHA-256 over the digests of its resources. Each resource's digest is computed once per
     * message object and remembered while the message lives, so the resources a rebuild shares between proxies
     * (every outbound cluster, endpoint and route configuration) are serialized once, not once per proxy.
     */
    private String digest(List<? extends com.google.protobuf.Message> messages) {
        MessageDigest md = sha256();
        for (com.google.protobuf.Message m : messages) {
            md.update(messageDigest(m).bytes());
        }
        return HexFormat.of().formatHex(md.digest(), 0, 6);
    }

    /** A resource's SHA-256, and its first 6 bytes in hex as the resource's own version. */
    private record ResourceDigest(byte[] bytes, String hex) {}

    private ResourceDigest messageDigest(com.google.protobuf.Message m) {
        ResourceDigest known = messageDigests.get(m); // a plain read first: the cache's compute path locks
        return known != null
                ? known
                : messageDigests.computeIfAbsent(m, x -> {
                    byte[] d = sha256().digest(x.toByteArray());
                    return new ResourceDigest(d, HexFormat.of().formatHex(d, 0, 6));
                });
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
            for (java.util.concurrent.ExecutorService sender : senders) {
                sender.shutdownNow();
            }
        }
    }

    private final class Callbacks implements DiscoveryServerCallbacks {
        @Override
        public void onStreamClose(long streamId, String typeUrl) {
            closed(streamId);
        }

        @Override
        public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
            closed(streamId);
        }

        private void closed(long streamId) {
            String node = streams.remove(streamId);
            if (node != null) {
                nodeStreams.computeIfPresent(node, (n, ids) -> {
                    ids.remove(streamId);
                    return ids.isEmpty() ? null : ids;
                });
            }
        }

        @Override
        public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            String node = request.hasNode() && !request.getNode().getId().isEmpty()
                    ? request.getNode().getId()
                    : streams.get(streamId);
            if (node == null) {
                return;
            }
            if (!node.equals(streams.put(streamId, node))) {
                nodeStreams.compute(node, (n, ids) -> {
                    Set<Long> out = ids == null ? new java.util.HashSet<>() : ids;
                    out.add(streamId);
                    return out;
                });
            }
            if (request.getResponseNonce().isEmpty()) {
                return; // a subscription, not a reply to a response
            }
            String[] v = slot(node, request.getTypeUrl());
            if (request.hasErrorDetail()) {
                v[2] = v[0];
                v[3] = request.getErrorDetail().getMessage();
                LOG.warn("{} rejected {} version {}: {}", node, shortType(request.getTypeUrl()), v[0], v[3]);
            } else {
                v[1] = request.getVersionInfo();
                String names = sentNames
                        .getOrDefault(node + " " + request.getTypeUrl(), Map.of())
                        .get(request.getResponseNonce());
                if (names != null) {
                    // No names is a wildcard subscription: the response held everything.
                    ackedNames.put(
                            node + " " + request.getTypeUrl(), names.isEmpty() ? WILDCARD : Set.of(names.split("\n")));
                }
            }
            for (Waiter w : waiters) {
                w.heardFrom(node);
            }
        }

        @Override
        public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

        @Override
        public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
            String node = streams.get(streamId);
            if (node != null) {
                slot(node, response.getTypeUrl())[0] = response.getVersionInfo();
                Map<String, String> byNonce =
                        sentNames.computeIfAbsent(node + " " + response.getTypeUrl(), k -> new ConcurrentHashMap<>());
                if (byNonce.size() > 16) {
                    byNonce.clear(); // only recent responses are ever ACKed
                }
                byNonce.put(response.getNonce(), String.join("\n", request.getResourceNamesList()));
            }
        }

        private String[] slot(String node, String type) {
            return state.computeIfAbsent(node, n -> new ConcurrentHashMap<>())
                    .computeIfAbsent(type, t -> new String[4]);
        }
    }
}
