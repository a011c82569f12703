package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.random.XxHash64;
import dev.meshbox.proxy.spec.ClusterSpec;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/** Picks one host among those the cluster offers. Implementations are thread-safe; randomness is injected. */
public interface LoadBalancer {

    /**
     * @param hosts   the hosts to choose from (healthy and not ejected, or all of them in panic)
     * @param hash    the request's hash key from the route's hash policies, when it has one
     * @param attempt 0 for the first choice, then 1, 2, ... when a retry predicate rejected the previous choice
     */
    Host pick(List<Host> hosts, RandomGenerator random, OptionalLong hash, int attempt);

    static LoadBalancer of(ClusterSpec.LbPolicy policy, ClusterSpec.LbOptions options) {
        return switch (policy) {
            case ROUND_ROBIN -> new RoundRobin();
            case RANDOM ->
                (hosts, random, hash, attempt) -> hosts.isEmpty() ? null : hosts.get(random.nextInt(hosts.size()));
            case LEAST_REQUEST -> new LeastRequest();
            case RING_HASH, MAGLEV -> new RingHash(options.minimumRingSize(), options.maximumRingSize());
        };
    }

    static LoadBalancer of(ClusterSpec.LbPolicy policy) {
        return of(policy, ClusterSpec.LbOptions.ENVOY_DEFAULTS);
    }

    /** Each host in turn. */
    final class RoundRobin implements LoadBalancer {
        private final AtomicLong next = new AtomicLong();

        @Override
        public Host pick(List<Host> hosts, RandomGenerator random, OptionalLong hash, int attempt) {
            if (hosts.isEmpty()) {
                return null;
            }
            return hosts.get((int) Math.floorMod(next.getAndIncrement(), (long) hosts.size()));
        }
    }

    /**
     * Envoy's least request with equal weights: power of two choices. Two hosts drawn at random (possibly the
     * same one), the one with fewer active requests wins, the first drawn on a tie.
     */
    final class LeastRequest implements LoadBalancer {
        @Override
        public Host pick(List<Host> hosts, RandomGenerator random, OptionalLong hash, int attempt) {
            int n = hosts.size();
            if (n == 0) {
                return null;
            }
            if (n == 1) {
                return hosts.get(0);
            }
            Host first = hosts.get(random.nextInt(n));
            Host second = hosts.get(random.nextInt(n));
            return second.activeRequests() < first.activeRequests() ? second : first;
        }
    }

    /**
     * Envoy's ring hash (Ketama): each host owns {@code scale x weight} points {@code xxHash64("ip:port_i")} on a
     * 64-bit ring; a request goes to the first point at or after its hash, wrapping around. No hash: a random point.
     * The ring is built once per host list and reused until the list changes.
     */
    final class RingHash implements LoadBalancer {
        private record Ring(List<Host> source, long[] hashes, Host[] owners) {}

        /** Rings kept at once: one per priority (or locality) list a cluster with several balances over. */
        private static final int RINGS = 8;

        private final long minimumRingSize;
        private final long maximumRingSize;
        private volatile Ring ring;
        private volatile Ring[] recent = new Ring[0];

        RingHash(long minimumRingSize, long maximumRingSize) {
            this.minimumRingSize = minimumRingSize;
            this.maximumRingSize = maximumRingSize;
        }

        @Override
        public Host pick(List<Host> hosts, RandomGenerator random, OptionalLong hash, int attempt) {
            if (hosts.isEmpty()) {
                return null;
            }
            Ring r = ring;
            if (r == null || r.source != hosts) {
                r = ringOf(hosts);
            }
            long h = hash.isPresent() ? hash.getAsLong() : random.nextLong();
            int i = firstAtOrAfter(r.hashes, h);
            if (attempt > 0) {
                // As Envoy does for a retry predicate: step along the ring, which usually lands on another host.
                i = (int) ((i + (long) attempt) % r.hashes.length);
            }
            return r.owners[i];
        }

        /** The ring of {@code hosts}, built once while it is among the last few lists seen. */
        private Ring ringOf(List<Host> hosts) {
            Ring[] known = recent;
            for (Ring k : known) {
                if (k.source == hosts) {
                    ring = k;
                    return k;
                }
            }
            Ring r = build(hosts);
            Ring[] next = new Ring[Math.min(RINGS, known.length + 1)];
            next[0] = r;
            System.arraycopy(known, 0, next, 1, next.length - 1);
            recent = next;
            ring = r;
            return r;
        }

        /** Number of points for the ring: enough for the lightest host to get its share of the minimum size. */
        int size(List<Host> hosts) {
            return build(hosts).hashes.length;
        }

        private Ring build(List<Host> hosts) {
            long total = 0;
            long lightest = Long.MAX_VALUE;
            for (Host h : hosts) {
                total += h.spec().weight();
                lightest = Math.min(lightest, h.spec().weight());
            }
            double minNormalized = (double) lightest / total;
            double scale = Math.min(Math.ceil(minNormalized * minimumRingSize) / minNormalized, maximumRingSize);
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.ceil(scale) + hosts.size());
            long[] hashes = new long[capacity];
            Host[] owners = new Host[capacity];
            int n = 0;
            double current = 0;
            double target = 0;
            for (Host h : hosts) {
                target += scale * h.spec().weight() / total;
                String prefix = h.hostPort() + "_";
                for (int i = 0; current < target && n < capacity; i++, current++) {
                    hashes[n] = XxHash64.hash(prefix + i);
                    owners[n] = h;
                    n++;
                }
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            long[] unsorted = hashes;
            java.util.Arrays.sort(order, (a, b) -> Long.compareUnsigned(unsorted[a], unsorted[b]));
            long[] sortedHashes = new long[n];
            Host[] sortedOwners = new Host[n];
            for (int i = 0; i < n; i++) {
                sortedHashes[i] = hashes[order[i]];
                sortedOwners[i] = owners[order[i]];
            }
            return new Ring(hosts, sortedHashes, sortedOwners);
        }

        private static int firstAtOrAfter(long[] hashes, long h) {
            int lo = 0;
            int hi = hashes.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(hashes[mid], h) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo == hashes.length ? 0 : lo;
        }
    }
}
