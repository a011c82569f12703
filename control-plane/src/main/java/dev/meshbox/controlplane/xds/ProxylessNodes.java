package dev.meshbox.controlplane.xds;

import com.google.protobuf.Value;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The proxyless gRPC clients connected to the ADS server: nodes whose metadata says {@code GENERATOR: grpc}, as Istio
 * tells them ({@code IsProxylessGrpc}). They are in no registry (no sidecar announced them), so the control plane
 * learns of them when they open a stream, builds their snapshot then, and forgets them once their last stream closes.
 */
final class ProxylessNodes implements DiscoveryServerCallbacks {

    /** A connected proxyless client: its node id and the namespace it resolves short names in. */
    record Client(String nodeId, String namespace) {}

    /** The prefix of the listener names a gRPC server asks for ({@code server_listener_resource_name_template}). */
    static final String SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";

    private static final String LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";

    /** Told (on the stream's thread, before its request is answered) when a client came or the last one of a node left. */
    interface Listener {
        void changed();
    }

    private final Map<Long, Client> streams = new HashMap<>();
    private final Map<String, Set<Long>> byNode = new HashMap<>();
    /** Per node, the server listeners ({@link #SERVER_LISTENER_PREFIX}) its gRPC servers asked for. */
    private final Map<String, Set<String>> serverListeners = new HashMap<>();

    private volatile Listener listener = () -> {};

    void onChange(Listener l) {
        this.listener = l;
    }

    /** Per node, the server listener names its {@code XdsServerBuilder} servers asked for (sorted). */
    synchronized Map<String, Set<String>> serverListeners() {
        Map<String, Set<String>> out = new HashMap<>();
        serverListeners.forEach((n, names) -> out.put(n, Set.copyOf(new java.util.TreeSet<>(names))));
        return out;
    }

    /** The connected clients, by node id. */
    synchronized Map<String, Client> clients() {
        Map<String, Client> out = new HashMap<>();
        streams.values().forEach(c -> out.put(c.nodeId(), c));
        return out;
    }

    static boolean isProxylessGrpc(Node node) {
        Value generator = node.getMetadata().getFieldsMap().get("GENERATOR");
        return generator != null && "grpc".equals(generator.getStringValue());
    }

    /** A node's namespace: its {@code NAMESPACE} metadata, else its id's DNS domain, else {@code default}. */
    static String namespaceOf(String nodeId, String namespaceMetadata) {
        if (namespaceMetadata != null && !namespaceMetadata.isEmpty()) {
            return namespaceMetadata;
        }
        String[] parts = nodeId.split("~");
        if (parts.length == 4 && !parts[3].isEmpty()) {
            int dot = parts[3].indexOf('.');
            return dot > 0 ? parts[3].substring(0, dot) : parts[3];
        }
        return "default";
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        boolean added;
        synchronized (this) {
            if (streams.containsKey(streamId)) {
                // later requests may leave the node out: the stream says whose they are
                added = newServerListeners(streams.get(streamId).nodeId(), request);
            } else {
                if (!request.hasNode() || !isProxylessGrpc(request.getNode())) {
                    return;
                }
                Node node = request.getNode();
                Value ns = node.getMetadata().getFieldsMap().get("NAMESPACE");
                Client client =
                        new Client(node.getId(), namespaceOf(node.getId(), ns == null ? null : ns.getStringValue()));
                streams.put(streamId, client);
                Set<Long> of = byNode.computeIfAbsent(client.nodeId(), k -> new HashSet<>());
                added = of.isEmpty();
                of.add(streamId);
                added |= newServerListeners(client.nodeId(), request);
            }
        }
        if (added) {
            listener.changed();
        }
    }

    /** Records the server listener names a listener request asks for; true when one is new. Under this monitor. */
    private boolean newServerListeners(String node, DiscoveryRequest request) {
        if (!LISTENER_TYPE.equals(request.getTypeUrl())) {
            return false;
        }
        boolean added = false;
        for (String name : request.getResourceNamesList()) {
            if (name.startsWith(SERVER_LISTENER_PREFIX)) {
                added |= serverListeners
                        .computeIfAbsent(node, k -> new HashSet<>())
                        .add(name);
            }
        }
        return added;
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
        boolean removed = false;
        synchronized (this) {
            Client c = streams.remove(streamId);
            if (c != null) {
                Set<Long> of = byNode.get(c.nodeId());
                of.remove(streamId);
                if (of.isEmpty()) {
                    byNode.remove(c.nodeId());
                    serverListeners.remove(c.nodeId());
                    removed = true;
                }
            }
        }
        if (removed) {
            listener.changed();
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {}
}
