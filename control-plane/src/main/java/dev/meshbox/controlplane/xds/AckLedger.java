package dev.meshbox.controlplane.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each proxy was sent and what it made of it, recorded from java-control-plane's stream callbacks: per node and
 * xDS type the version last sent, the version last ACKed and for which resource names, the version last NACKed and
 * why. From that and what a node should hold ({@link Wanted}) it tells whether the node is in sync.
 *
 * <p>Invariants: one immutable {@link NodeSync} per node, holding one immutable {@link TypeSync} per type, held in one
 * concurrent map and replaced whole with {@code compute}; readers on other threads (status, {@link Convergence}
 * waiters) see either the record before a reply or the one after, never half of one. The callbacks run on gRPC
 * threads and block on nothing but the map's per-entry update.
 */
final class AckLedger implements DiscoveryServerCallbacks {

    private static final Logger LOG = LoggerFactory.getLogger(AckLedger.class);

    /** The types MeshBox serves, in the order status shows them. */
    static final List<String> TYPES = List.of(
            Resources.V3.CLUSTER_TYPE_URL,
            Resources.V3.ENDPOINT_TYPE_URL,
            Resources.V3.LISTENER_TYPE_URL,
            Resources.V3.ROUTE_TYPE_URL,
            Resources.V3.SECRET_TYPE_URL);

    /** Responses remembered per node and type to match ACKs to by nonce; only recent ones are ever ACKed. */
    static final int RECENT = 16;

    /**
     * What a node should hold of one type: a version (empty: nothing of the type, so there is nothing to ACK) and,
     * for the types asked for by name (EDS, RDS), the names the snapshot holds, which an ACK must cover.
     */
    record Wanted(String version, Set<String> names) {
        static final Wanted NOTHING = new Wanted("", Set.of());

        Wanted {
            names = Set.copyOf(names);
        }
    }

    /** The resource names a request asked for: every resource of the type (no names, a wildcard) or these. */
    record Subscription(boolean wildcard, Set<String> names) {
        static final Subscription NONE = new Subscription(false, Set.of());

        Subscription {
            names = Set.copyOf(names);
        }

        static Subscription of(List<String> requested) {
            return requested.isEmpty()
                    ? new Subscription(true, Set.of())
                    : new Subscription(false, Set.copyOf(requested));
        }

        boolean covers(Set<String> wanted) {
            return wildcard || names.containsAll(wanted);
        }
    }

    /** One response sent: its nonce and the subscription it answered. */
    record Sent(String nonce, Subscription subscription) {}

    /**
     * One node's exchanges of one type: the versions last sent, ACKed and NACKed ("" for none), the NACK's reason,
     * the subscription the last ACKed response answered, and the last {@link #RECENT} responses, oldest first.
     */
    record TypeSync(
            String sent, String acked, String nacked, String reason, Subscription ackedNames, List<Sent> recent) {
        static final TypeSync NONE = new TypeSync("", "", "", "", Subscription.NONE, List.of());

        TypeSync {
            recent = List.copyOf(recent);
        }

        TypeSync sent(String version, String nonce, Subscription subscription) {
            List<Sent> next = new ArrayList<>(recent.subList(Math.max(0, recent.size() - RECENT + 1), recent.size()));
            next.add(new Sent(nonce, subscription));
            return new TypeSync(version, acked, nacked, reason, ackedNames, next);
        }

        /** An ACK of {@code version}; the names it covers are those of the response with {@code nonce}, if known. */
        TypeSync acked(String version, String nonce) {
            Subscription covered = ackedNames;
            for (Sent s : recent) {
                if (s.nonce().equals(nonce)) {
                    covered = s.subscription();
                }
            }
            return new TypeSync(sent, version, nacked, reason, covered, recent);
        }

        /** A NACK, of the version last sent. */
        TypeSync nacked(String why) {
            return new TypeSync(sent, acked, sent, why, ackedNames, recent);
        }
    }

    /** One node: its open streams (a proxy reconnecting may briefly have two) and its exchanges by type URL. */
    record NodeSync(Set<Long> streams, Map<String, TypeSync> types) {
        static final NodeSync EMPTY = new NodeSync(Set.of(), Map.of());

        NodeSync {
            streams = Set.copyOf(streams);
            types = Map.copyOf(types);
        }

        TypeSync type(String typeUrl) {
            return types.getOrDefault(typeUrl, TypeSync.NONE);
        }

        NodeSync with(String typeUrl, UnaryOperator<TypeSync> change) {
            Map<String, TypeSync> next = new HashMap<>(types);
            next.put(typeUrl, change.apply(type(typeUrl)));
            return new NodeSync(streams, next);
        }

        NodeSync withStream(long id) {
            Set<Long> next = new HashSet<>(streams);
            next.add(id);
            return new NodeSync(next, types);
        }

        /** Without the stream; null (no entry) when nothing is left to remember. */
        NodeSync withoutStream(long id) {
            Set<Long> next = new HashSet<>(streams);
            next.remove(id);
            return next.isEmpty() && types.isEmpty() ? null : new NodeSync(next, types);
        }
    }

    private final Map<Long, String> streams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, NodeSync> nodes = new ConcurrentHashMap<>();
    /** Per node and type, the names its latest request asked for (what a node asking on demand wants now). */
    private final ConcurrentHashMap<String, Map<String, List<String>>> requested = new ConcurrentHashMap<>();

    private final Consumer<String> replied;

    /** @param replied told the node of every ACK and NACK, after it is recorded; must not block */
    AckLedger(Consumer<String> replied) {
        this.replied = replied;
    }

    /** Where {@code node} stands against what it should hold, by type URL. */
    Convergence.Sync sync(String node, Map<String, Wanted> want) {
        NodeSync s = nodes.getOrDefault(node, NodeSync.EMPTY);
        Convergence.Sync out = Convergence.Sync.SYNCED;
        for (String type : TYPES) {
            Wanted w = want.getOrDefault(type, Wanted.NOTHING);
            if (w.version().isEmpty()) {
                continue;
            }
            TypeSync t = s.type(type);
            boolean acked = w.version().equals(t.acked()) && t.ackedNames().covers(w.names());
            if (!acked && w.version().equals(t.nacked())) {
                return Convergence.Sync.REJECTED;
            }
            if (!acked) {
                out = Convergence.Sync.LAGGING;
            }
        }
        return out;
    }

    /** What {@code node} holds against what it should, as {@code istioctl proxy-status} shows it. */
    ProxyStatus status(String node, Map<String, Wanted> want) {
        NodeSync s = nodes.getOrDefault(node, NodeSync.EMPTY);
        Map<String, ProxyStatus.TypeStatus> types = new LinkedHashMap<>();
        for (String type : TYPES) {
            TypeSync t = s.type(type);
            Wanted w = want.getOrDefault(type, Wanted.NOTHING);
            String acked = t.acked();
            // The right version ACKed for fewer names than the snapshot holds (a proxy that has just learned of a new
            // cluster and not yet asked for its endpoints) is not in sync yet: traffic to that cluster would see it
            // still warming.
            if (!acked.isEmpty() && !t.ackedNames().covers(w.names())) {
                Set<String> missing = new TreeSet<>(w.names());
                missing.removeAll(t.ackedNames().names());
                acked = acked + " (not yet for " + missing.iterator().next()
                        + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : "") + ")";
            }
            types.put(
                    shortType(type), new ProxyStatus.TypeStatus(w.version(), t.sent(), acked, t.nacked(), t.reason()));
        }
        return new ProxyStatus(node, !s.streams().isEmpty(), types);
    }

    /** How many streams {@code node} has open. */
    int streamCount(String node) {
        return nodes.getOrDefault(node, NodeSync.EMPTY).streams().size();
    }

    /** The names {@code node}'s latest request of {@code typeUrl} asked for; empty for none or a wildcard. */
    List<String> requested(String node, String typeUrl) {
        return requested.getOrDefault(node, Map.of()).getOrDefault(typeUrl, List.of());
    }

    /** Forgets what a node that left the mesh exchanged; its open streams, if any, stay known until they close. */
    void forget(String node) {
        requested.remove(node);
        nodes.computeIfPresent(node, (n, s) -> s.streams().isEmpty() ? null : new NodeSync(s.streams(), Map.of()));
    }

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
            nodes.computeIfPresent(node, (n, s) -> s.withoutStream(streamId));
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
            nodes.compute(node, (n, s) -> orEmpty(s).withStream(streamId));
        }
        List<String> names = List.copyOf(request.getResourceNamesList());
        requested.compute(node, (n, m) -> {
            Map<String, List<String>> next = m == null ? new HashMap<>() : new HashMap<>(m);
            next.put(request.getTypeUrl(), names);
            return Map.copyOf(next);
        });
        if (request.getResponseNonce().isEmpty()) {
            return; // a subscription, not a reply to a response
        }
        String type = request.getTypeUrl();
        if (request.hasErrorDetail()) {
            String reason = request.getErrorDetail().getMessage();
            NodeSync after = nodes.compute(node, (n, s) -> orEmpty(s).with(type, t -> t.nacked(reason)));
            LOG.warn(
                    "{} rejected {} version {}: {}",
                    node,
                    shortType(type),
                    after.type(type).nacked(),
                    reason);
        } else {
            String version = request.getVersionInfo();
            String nonce = request.getResponseNonce();
            nodes.compute(node, (n, s) -> orEmpty(s).with(type, t -> t.acked(version, nonce)));
        }
        replied.accept(node);
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        String node = streams.get(streamId);
        if (node != null) {
            Subscription subscription = Subscription.of(request.getResourceNamesList());
            nodes.compute(
                    node,
                    (n, s) -> orEmpty(s)
                            .with(
                                    response.getTypeUrl(),
                                    t -> t.sent(response.getVersionInfo(), response.getNonce(), subscription)));
        }
    }

    private static NodeSync orEmpty(NodeSync s) {
        return s == null ? NodeSync.EMPTY : s;
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
        if (typeUrl.endsWith("Secret")) {
            return "SDS";
        }
        return typeUrl.endsWith("RouteConfiguration") ? "RDS" : typeUrl;
    }
}
