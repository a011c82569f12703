package dev.meshbox.proxy.cluster;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.PoolSettings;
import dev.meshbox.proxy.endpoint.ResourceLimits;
import dev.meshbox.proxy.endpoint.UpstreamTls;
import dev.meshbox.proxy.endpoint.UpstreamTransport;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.spec.UpstreamTlsSpec;
import dev.meshbox.proxy.tls.WorkloadTls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Builds the cluster map from CDS specs and EDS assignments, carrying counters, circuit breakers, the outlier
 * detector, balancer state and hosts (with their pools) over from the previous build so that an update does not
 * drop connections, stats or ejections. Only the xDS thread calls {@link #rebuild}.
 */
public final class ClusterCatalog implements AutoCloseable {

    private record Live(
            ClusterStats stats,
            ResourceLimits limits,
            OutlierDetector outlier,
            ClusterSpec.LbPolicy policy,
            ClusterSpec.LbOptions lbOptions,
            LoadBalancer balancer,
            Map<InetSocketAddress, Host> hosts,
            OriginalDestinations originalDestinations) {}

    private final UpstreamTransport transport;
    private final WorkloadTls tls;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final Map<String, Live> live = new HashMap<>();

    /**
     * @param random used under the detectors' locks for enforcement percentages only
     */
    public ClusterCatalog(UpstreamTransport transport, Ticker ticker, RandomGenerator random) {
        this(transport, ticker, random, new WorkloadTls());
    }

    /** @param tls the workload certificate upstream TLS presents, for clusters with TLS transport sockets */
    public ClusterCatalog(UpstreamTransport transport, Ticker ticker, RandomGenerator random, WorkloadTls tls) {
        this.tls = tls;
        this.transport = transport;
        this.ticker = ticker;
        this.random = random;
    }

    public synchronized Map<String, UpstreamCluster> rebuild(
            Map<String, ClusterSpec> specs, Map<String, List<EndpointSpec>> assignments) {
        Map<String, UpstreamCluster> out = new HashMap<>();
        Map<String, Live> next = new HashMap<>();
        for (ClusterSpec spec : specs.values()) {
            Live previous = live.remove(spec.name());
            ClusterStats stats = previous != null ? previous.stats : new ClusterStats();
            var l = spec.limits();
            ResourceLimits limits = previous != null
                    ? previous.limits
                    : new ResourceLimits(l.maxConnections(), l.maxPendingRequests(), l.maxRequests(), l.maxRetries());
            limits.update(l.maxConnections(), l.maxPendingRequests(), l.maxRequests(), l.maxRetries());
            OutlierDetector outlier = previous != null
                    ? previous.outlier
                    : new OutlierDetector(ticker, new SplittableRandom(random.nextLong()), stats);
            LoadBalancer balancer =
                    previous != null && previous.policy == spec.lbPolicy() && previous.lbOptions.equals(spec.lb())
                            ? previous.balancer
                            : LoadBalancer.of(spec.lbPolicy(), spec.lb());
            PoolSettings settings = new PoolSettings(
                    limits,
                    spec.connectTimeout(),
                    spec.connection().maxRequestsPerConnection(),
                    spec.connection().idleTimeout());
            List<EndpointSpec> endpoints = switch (spec.type()) {
                case STATIC, STRICT_DNS, LOGICAL_DNS -> spec.staticEndpoints();
                case EDS -> assignments.getOrDefault(spec.edsResourceName(), List.of());
                case ORIGINAL_DST -> List.of();
            };
            Map<InetSocketAddress, Host> oldHosts = previous != null ? previous.hosts : Map.of();
            Map<InetSocketAddress, Host> hosts = new HashMap<>();
            List<Host> ordered = new ArrayList<>();
            List<Host> healthy = new ArrayList<>();
            for (EndpointSpec e : endpoints) {
                if (hosts.containsKey(e.address())) {
                    continue;
                }
                Host host = oldHosts.get(e.address());
                UpstreamTransport hostTransport = transportFor(spec, e);
                if (host != null && !host.transport().equals(hostTransport)) {
                    host.close(); // TLS toggled or changed: new connections, old ones drain
                    host = null;
                }
                if (host == null) {
                    host = new Host(e, hostTransport, stats, settings);
                } else {
                    host.update(e);
                    host.update(settings);
                }
                hosts.put(e.address(), host);
                ordered.add(host);
                if (e.healthy()) {
                    healthy.add(host);
                }
            }
            oldHosts.forEach((address, host) -> {
                if (!hosts.containsKey(address)) {
                    host.close();
                }
            });
            outlier.setHosts(ordered);
            outlier.configure(spec.outlier());
            OriginalDestinations destinations = null;
            if (spec.type() == ClusterSpec.Type.ORIGINAL_DST) {
                destinations = previous != null && previous.originalDestinations != null
                        ? previous.originalDestinations
                        : new OriginalDestinations(transport, stats, settings);
                destinations.update(settings);
            } else if (previous != null && previous.originalDestinations != null) {
                previous.originalDestinations.close();
            }
            next.put(
                    spec.name(),
                    new Live(stats, limits, outlier, spec.lbPolicy(), spec.lb(), balancer, hosts, destinations));
            out.put(
                    spec.name(),
                    new UpstreamCluster(spec, stats, balancer, ordered, healthy, limits, outlier, destinations));
        }
        live.values().forEach(l -> l.hosts.values().forEach(Host::close));
        live.values().stream().filter(l -> l.originalDestinations != null).forEach(l -> l.originalDestinations.close());
        live.clear();
        live.putAll(next);
        return Map.copyOf(out);
    }

    /** Plaintext, or TLS when the cluster's first transport socket matching the endpoint's metadata is TLS. */
    private UpstreamTransport transportFor(ClusterSpec spec, EndpointSpec endpoint) {
        UpstreamTlsSpec socket = spec.tlsFor(endpoint);
        return socket == null ? transport : transport.withTls(new UpstreamTls(socket, tls));
    }

    @Override
    public synchronized void close() {
        live.values().forEach(l -> l.hosts.values().forEach(Host::close));
        live.values().stream().filter(l -> l.originalDestinations != null).forEach(l -> l.originalDestinations.close());
        live.clear();
    }
}
