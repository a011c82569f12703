package dev.meshbox.proxy.testing;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real java-control-plane ADS server on an ephemeral port, keeping every request it receives. */
public final class TestControlPlane implements AutoCloseable {

    public static final Set<String> TYPES = Set.of(
            "type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");

    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    private final Server server;

    public TestControlPlane() throws IOException {
        this(0);
    }

    public TestControlPlane(int port) throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(
                new DiscoveryServerCallbacks() {
                    @Override
                    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                        requests.add(request);
                    }

                    @Override
                    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}
                },
                cache);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getPort());
    }

    /**
     * Sets the node's snapshot. No {@code ensureConsistent()}: java-control-plane 1.0.49 only finds RDS
     * references under the legacy filter name {@code envoy.http_connection_manager}, and the contract uses
     * {@code envoy.filters.network.http_connection_manager}.
     */
    public void set(String nodeId, Snapshot snapshot) {
        cache.setSnapshot(nodeId, snapshot);
    }

    public List<DiscoveryRequest> requests() {
        return requests;
    }

    /** True once the node ACKed {@code version} for every type: version echoed, nonce set, no error. */
    public boolean acked(String nodeId, String version) {
        return TYPES.stream()
                .allMatch(type -> requests.stream()
                        .anyMatch(r -> r.getNode().getId().equals(nodeId)
                                && r.getTypeUrl().equals(type)
                                && r.getVersionInfo().equals(version)
                                && !r.getResponseNonce().isEmpty()
                                && !r.hasErrorDetail()));
    }

    /** For a failed wait: each type's last request from the node (version, nonce, error), or "none". */
    public String describe(String nodeId) {
        StringBuilder out = new StringBuilder();
        for (String type : TYPES) {
            DiscoveryRequest last = null;
            for (DiscoveryRequest r : requests) {
                if (r.getNode().getId().equals(nodeId) && r.getTypeUrl().equals(type)) {
                    last = r;
                }
            }
            out.append("\n  ").append(type.substring(type.lastIndexOf('.') + 1)).append(": ");
            out.append(
                    last == null
                            ? "none"
                            : "version " + last.getVersionInfo() + ", nonce " + last.getResponseNonce() + ", names "
                                    + last.getResourceNamesList()
                                    + (last.hasErrorDetail()
                                            ? ", NACK " + last.getErrorDetail().getMessage()
                                            : ""));
        }
        return out.toString();
    }

    /** Sets a snapshot and waits until the node ACKed it for every type. */
    public void setAndAwaitAck(String nodeId, Snapshot snapshot, String version) {
        set(nodeId, snapshot);
        Await.until(Duration.ofSeconds(10), () -> acked(nodeId, version), "ACK of version " + version);
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
