package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.ResourceLimits;
import dev.meshbox.proxy.spec.ClusterSpec;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A cluster ready for traffic: its spec, counters, balancer, hosts, circuit breakers and outlier detector.
 * Immutable apart from the live state those carry; a CDS or EDS update builds a new one that shares them with
 * the old.
 */
public record UpstreamCluster(
        ClusterSpec spec,
        ClusterStats stats,
        LoadBalancer balancer,
        List<Host> hosts,
        List<Host> healthyHosts,
        ResourceLimits limits,
        OutlierDetector outlier,
        OriginalDestinations originalDestinations) {

    public UpstreamCluster {
        hosts = List.copyOf(hosts);
        healthyHosts = List.copyOf(healthyHosts);
    }

    /** A cluster with a fixed set of hosts (not ORIGINAL_DST). */
    public UpstreamCluster(
            ClusterSpec spec,
            ClusterStats stats,
            LoadBalancer balancer,
            List<Host> hosts,
            List<Host> healthyHosts,
            ResourceLimits limits,
            OutlierDetector outlier) {
        this(spec, stats, balancer, hosts, healthyHosts, limits, outlier, null);
    }

    /**
     * For an ORIGINAL_DST cluster, the cluster as one request sees it: its only host is the destination the client
     * asked for, sharing the cluster's counters and circuit breakers.
     */
    public UpstreamCluster toDestination(java.net.InetSocketAddress destination) {
        Host host = originalDestinations.host(destination);
        return new UpstreamCluster(
                spec, stats, balancer, List.of(host), List.of(host), limits, outlier, originalDestinations);
    }

    public String name() {
        return spec.name();
    }

    /** A host, avoiding {@code avoid} for up to {@code attempts} draws when asked; null when none. */
    public Host pick(RandomGenerator random, Set<Host> avoid, int attempts) {
        return pick(random, OptionalLong.empty(), avoid, attempts);
    }

    /** As {@link #pick(RandomGenerator, Set, int)}, with the request's hash key for consistent hashing. */
    public Host pick(RandomGenerator random, OptionalLong hash, Set<Host> avoid, int attempts) {
        outlier.maybeTick();
        OutlierDetector.Selection selection = outlier.select(
                hosts,
                healthyHosts,
                spec.lb().healthyPanicThreshold(),
                spec.lb().localityWeighted());
        PrioritySet priorities = selection.priorities();
        List<Host> candidates;
        if (priorities == null) {
            if (selection.panic()) {
                stats.lbHealthyPanic.increment();
            }
            candidates = selection.hosts();
        } else {
            int tier = priorities.tier(random);
            if (priorities.panic(tier)) {
                stats.lbHealthyPanic.increment();
            }
            candidates = priorities.hosts(tier, random);
        }
        Host host = balancer.pick(candidates, random, hash, 0);
        for (int i = 1; host != null && avoid.contains(host) && i < attempts; i++) {
            host = balancer.pick(candidates, random, hash, i);
        }
        return host;
    }

    /** Counters and gauges as {@code /stats} prints them after {@code cluster.<name>.}. */
    public Map<String, Long> statsSnapshot() {
        outlier.maybeTick();
        Map<String, Long> m = stats.snapshot();
        m.put("membership_total", (long) hosts.size());
        m.put(
                "membership_healthy",
                hosts.stream().filter(h -> h.healthy() && !h.ejected()).count());
        m.put("outlier_detection.ejections_active", (long) outlier.ejectionsActive());
        m.put("circuit_breakers.default.cx_open", open(limits.connections()));
        m.put("circuit_breakers.default.rq_pending_open", open(limits.pendingRequests()));
        m.put("circuit_breakers.default.rq_open", open(limits.requests()));
        m.put("circuit_breakers.default.rq_retry_open", open(limits.retries()));
        m.put("circuit_breakers.default.remaining_cx", (long)
                limits.connections().remaining());
        m.put("circuit_breakers.default.remaining_pending", (long)
                limits.pendingRequests().remaining());
        m.put("circuit_breakers.default.remaining_rq", (long) limits.requests().remaining());
        m.put("circuit_breakers.default.remaining_retries", (long)
                limits.retries().remaining());
        return m;
    }

    private static long open(ResourceLimits.Resource r) {
        return r.canCreate() ? 0 : 1;
    }
}
