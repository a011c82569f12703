package dev.meshbox.proxy.route;

import java.util.List;
import java.util.random.RandomGenerator;

/** Clusters with weights, compiled into a cumulative table so a pick is one random draw and a scan. */
public record WeightedClusters(
        List<String> names,
        List<Integer> weights,
        long[] cumulative,
        long totalWeight,
        List<HeaderMutations> headers,
        List<String> hostRewrites) {

    public WeightedClusters {
        names = List.copyOf(names);
        weights = List.copyOf(weights);
        headers = headers == null
                ? java.util.Collections.nCopies(names.size(), HeaderMutations.NONE)
                : List.copyOf(headers);
        // Nulls (no rewrite) allowed, so not List.copyOf.
        hostRewrites = hostRewrites == null
                ? java.util.Collections.nCopies(names.size(), null)
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(hostRewrites));
    }

    public static WeightedClusters of(List<String> names, List<Integer> weights, List<HeaderMutations> headers) {
        return of(names, weights, headers, null);
    }

    /** {@code hostRewrites}: each cluster's {@code host_rewrite_literal}, null where it has none. */
    public static WeightedClusters of(
            List<String> names, List<Integer> weights, List<HeaderMutations> headers, List<String> hostRewrites) {
        WeightedClusters w = of(names, weights);
        return new WeightedClusters(w.names, w.weights, w.cumulative, w.totalWeight, headers, hostRewrites);
    }

    /** The host rewrite of the cluster {@code name} (the one that was picked), or null. */
    public String hostRewriteOf(String name) {
        int i = names.indexOf(name);
        return i < 0 ? null : hostRewrites.get(i);
    }

    /** The header mutations of the cluster {@code name} (the one that was picked). */
    public HeaderMutations headersOf(String name) {
        int i = names.indexOf(name);
        return i < 0 ? HeaderMutations.NONE : headers.get(i);
    }

    public static WeightedClusters of(List<String> names, List<Integer> weights) {
        if (names.size() != weights.size() || names.isEmpty()) {
            throw new IllegalArgumentException(
                    "weighted_clusters: need one weight per cluster and at least one cluster");
        }
        long[] cumulative = new long[names.size()];
        long total = 0;
        for (int i = 0; i < names.size(); i++) {
            int w = weights.get(i);
            if (w < 0) {
                throw new IllegalArgumentException(
                        "weighted_clusters.clusters[" + i + "].weight: must be >= 0, got " + w);
            }
            total += w;
            cumulative[i] = total;
        }
        if (total == 0) {
            throw new IllegalArgumentException("weighted_clusters: total weight must be > 0");
        }
        return new WeightedClusters(names, weights, cumulative, total, null, null);
    }

    public String pick(RandomGenerator random) {
        long draw = random.nextLong(totalWeight);
        for (int i = 0; i < cumulative.length; i++) {
            if (draw < cumulative[i]) {
                return names.get(i);
            }
        }
        return names.get(names.size() - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightedClusters w && w.names.equals(names) && w.weights.equals(weights);
    }

    @Override
    public int hashCode() {
        return names.hashCode() * 31 + weights.hashCode();
    }

    @Override
    public String toString() {
        return "WeightedClusters" + names + weights;
    }
}
