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

    /** Told (on the stream's thread, before its request is answered) when a client came or the last one of a node left. */
    interface Listener {
        void changed();
    }

    private final Map<Long, Client> streams = new HashMap<>();
    private final Map<String, Set<Long>> byNode = new HashMap<>();
    private volatile Listener listener = () -> {};

    void onChange(Listener l) {
        this.listener = l;
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
        if (!request.hasNode() || !isProxylessGrpc(request.getNode())) {
            return;
        }
        boolean added;
        synchronized (this) {
            if (streams.containsKey(streamId)) {
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
        }
        if (added) {
            listener.changed();
        }
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
