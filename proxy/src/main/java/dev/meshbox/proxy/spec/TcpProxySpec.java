package dev.meshbox.proxy.spec;

import java.time.Duration;
import java.util.List;

/**
 * Envoy's {@code envoy.filters.network.tcp_proxy}: the connection's bytes go to {@code cluster}, or to one of
 * {@code weightedClusters} drawn by weight per connection; {@code idleTimeout} closes both sides after that long
 * without a byte either way (Envoy's default is one hour; zero disables it).
 */
public record TcpProxySpec(
        String statPrefix, String cluster, List<WeightedCluster> weightedClusters, Duration idleTimeout) {

    /** Envoy's default {@code idle_timeout}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    /** One of {@code weighted_clusters.clusters}. */
    public record WeightedCluster(String name, int weight) {}

    public TcpProxySpec {
        weightedClusters = List.copyOf(weightedClusters);
    }

    /** A proxy to one cluster with Envoy's defaults. */
    public static TcpProxySpec to(String cluster) {
        return new TcpProxySpec(cluster, cluster, List.of(), DEFAULT_IDLE_TIMEOUT);
    }

    /** The cluster for one connection, {@code draw} uniform in [0, total weight); the single cluster when set. */
    public String pick(long draw) {
        if (weightedClusters.isEmpty()) {
            return cluster;
        }
        long acc = 0;
        for (WeightedCluster w : weightedClusters) {
            acc += w.weight();
            if (draw < acc) {
                return w.name();
            }
        }
        return weightedClusters.get(weightedClusters.size() - 1).name();
    }

    public long totalWeight() {
        return weightedClusters.stream().mapToLong(WeightedCluster::weight).sum();
    }
}
