package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/** Picks one host among the healthy ones. Implementations are thread-safe; randomness is injected. */
public interface LoadBalancer {

  Host pick(List<Host> healthy, RandomGenerator random);

  static LoadBalancer of(ClusterSpec.LbPolicy policy) {
    return switch (policy) {
      case ROUND_ROBIN -> new RoundRobin();
      case RANDOM -> (hosts, random) -> hosts.isEmpty() ? null : hosts.get(random.nextInt(hosts.size()));
      case LEAST_REQUEST -> new LeastRequest();
    };
  }

  /** Each host in turn. */
  final class RoundRobin implements LoadBalancer {
    private final AtomicLong next = new AtomicLong();

    @Override
    public Host pick(List<Host> healthy, RandomGenerator random) {
      if (healthy.isEmpty()) {
        return null;
      }
      return healthy.get((int) Math.floorMod(next.getAndIncrement(), (long) healthy.size()));
    }
  }

  /**
   * Envoy's least request with equal weights: power of two choices. Two hosts drawn at random (possibly the
   * same one), the one with fewer active requests wins, the first drawn on a tie.
   */
  final class LeastRequest implements LoadBalancer {
    @Override
    public Host pick(List<Host> healthy, RandomGenerator random) {
      int n = healthy.size();
      if (n == 0) {
        return null;
      }
      if (n == 1) {
        return healthy.get(0);
      }
      Host first = healthy.get(random.nextInt(n));
      Host second = healthy.get(random.nextInt(n));
      return second.activeRequests() < first.activeRequests() ? second : first;
    }
  }
}
