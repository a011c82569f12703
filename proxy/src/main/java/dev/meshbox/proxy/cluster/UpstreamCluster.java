package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A cluster ready for traffic: its spec, counters, balancer and hosts. Immutable apart from the counters and
 * the hosts' own live state; a CDS or EDS update builds a new one that shares stats and hosts with the old.
 */
public record UpstreamCluster(ClusterSpec spec, ClusterStats stats, LoadBalancer balancer, List<Host> hosts,
                              List<Host> healthyHosts) {

  public UpstreamCluster {
    hosts = List.copyOf(hosts);
    healthyHosts = List.copyOf(healthyHosts);
  }

  public String name() {
    return spec.name();
  }

  /** A healthy host, avoiding {@code avoid} for up to {@code attempts} draws when asked; null when none. */
  public Host pick(RandomGenerator random, Set<Host> avoid, int attempts) {
    Host host = balancer.pick(healthyHosts, random);
    for (int i = 1; host != null && avoid.contains(host) && i < attempts; i++) {
      host = balancer.pick(healthyHosts, random);
    }
    return host;
  }
}
