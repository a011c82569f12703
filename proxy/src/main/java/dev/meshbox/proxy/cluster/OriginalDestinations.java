package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.PoolSettings;
import dev.meshbox.proxy.endpoint.UpstreamTransport;
import dev.meshbox.proxy.spec.EndpointSpec;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosts of an ORIGINAL_DST cluster ({@code PassthroughCluster}, a ServiceEntry with resolution NONE): one per
 * destination a client asked for, made on first use and kept with its connection pools, as Envoy's original
 * destination cluster adds a host per new destination.
 */
public final class OriginalDestinations implements AutoCloseable {

    private final ConcurrentHashMap<InetSocketAddress, Host> hosts = new ConcurrentHashMap<>();
    private final UpstreamTransport transport;
    private final ClusterStats stats;
    private volatile PoolSettings settings;

    OriginalDestinations(UpstreamTransport transport, ClusterStats stats, PoolSettings settings) {
        this.transport = transport;
        this.stats = stats;
        this.settings = settings;
    }

    void update(PoolSettings next) {
        this.settings = next;
        hosts.values().forEach(h -> h.update(next));
    }

    /** The host for a resolved destination address. */
    public Host host(InetSocketAddress destination) {
        return hosts.computeIfAbsent(destination, d -> new Host(EndpointSpec.healthy(d), transport, stats, settings));
    }

    @Override
    public void close() {
        hosts.values().forEach(Host::close);
        hosts.clear();
    }
}
