package dev.meshbox.proxy.endpoint;

import dev.meshbox.proxy.spec.EndpointSpec;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live side of an endpoint: its counters, its active request count (for least-request balancing), whether
 * outlier detection ejected it, and one connection pool per event loop (as Envoy has one per worker). A host
 * outlives EDS updates that keep its address, so counters and idle connections survive.
 */
public final class Host implements AutoCloseable {

    private final InetSocketAddress address;
    private final String hostPort;
    private final HostStats stats = new HostStats();
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final UpstreamTransport transport;
    private final ConnectionEvents events;
    private final ConcurrentHashMap<EventLoop, ConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile EndpointSpec spec;
    private volatile PoolSettings settings;
    private volatile boolean ejected;
    private volatile boolean closed;

    public Host(EndpointSpec spec, UpstreamTransport transport, ConnectionEvents clusterEvents) {
        this(spec, transport, clusterEvents, PoolSettings.defaults());
    }

    public Host(EndpointSpec spec, UpstreamTransport transport, ConnectionEvents clusterEvents, PoolSettings settings) {
        this.spec = spec;
        this.address = spec.address();
        this.hostPort = spec.hostPort();
        this.transport = transport;
        this.settings = settings;
        this.events = ConnectionEvents.tee(stats, clusterEvents);
    }

    public InetSocketAddress address() {
        return address;
    }

    public String hostPort() {
        return hostPort;
    }

    public EndpointSpec spec() {
        return spec;
    }

    private record Derived(EndpointSpec from, Object value) {}

    private volatile Derived derived;

    /**
     * A value computed from this host's spec (such as its metric labels), kept until the spec changes, so that
     * requests do not compute it each time. One kind of value per host: every caller passes the same function.
     */
    @SuppressWarnings("unchecked")
    public <T> T derive(java.util.function.Function<EndpointSpec, T> compute) {
        EndpointSpec current = spec;
        Derived d = derived;
        if (d == null || d.from() != current) {
            d = new Derived(current, compute.apply(current));
            derived = d;
        }
        return (T) d.value();
    }

    /** How its connections are opened (plaintext or TLS); a change of transport makes a new host. */
    public UpstreamTransport transport() {
        return transport;
    }

    public void update(EndpointSpec newSpec) {
        this.spec = newSpec;
    }

    public void update(PoolSettings newSettings) {
        this.settings = newSettings;
    }

    public PoolSettings settings() {
        return settings;
    }

    public boolean healthy() {
        return spec.healthy();
    }

    /** Set by the cluster's outlier detector only. */
    public boolean ejected() {
        return ejected;
    }

    public void setEjected(boolean value) {
        this.ejected = value;
    }

    public HostStats stats() {
        return stats;
    }

    /** This host's pool on {@code loop}; use it only from that loop. */
    public ConnectionPool pool(EventLoop loop) {
        ConnectionPool pool = pools.get(loop);
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, l -> new ConnectionPool(l, address, transport, events, () -> settings));
            if (closed) {
                loop.execute(pool::close);
            }
        }
        return pool;
    }

    public int activeRequests() {
        return activeRequests.get();
    }

    public void requestStarted() {
        activeRequests.incrementAndGet();
        stats.rqActive.increment();
        stats.rqTotal.increment();
    }

    public void requestFinished() {
        activeRequests.decrementAndGet();
        stats.rqActive.decrement();
    }

    /** Closes every pool on its own loop. */
    @Override
    public void close() {
        closed = true;
        pools.values().forEach(p -> {
            try {
                p.loop().execute(p::close);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the loop is shutting down and takes its channels with it
            }
        });
    }

    @Override
    public String toString() {
        return hostPort;
    }
}
