package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.ConnectionEvents;
import dev.meshbox.proxy.endpoint.EndpointSpec;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.UpstreamTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the cluster map from CDS specs and EDS assignments, carrying counters, balancer state and hosts
 * (with their pools) over from the previous build so that an update does not drop connections or stats.
 * Only the xDS thread calls {@link #rebuild}.
 */
public final class ClusterCatalog implements AutoCloseable {

  private record Live(ClusterStats stats, ClusterSpec.LbPolicy policy, LoadBalancer balancer,
                      Map<InetSocketAddress, Host> hosts) {
  }

  private final UpstreamTransport transport;
  private final Map<String, Live> live = new HashMap<>();

  public ClusterCatalog(UpstreamTransport transport) {
    this.transport = transport;
  }

  public synchronized Map<String, UpstreamCluster> rebuild(Map<String, ClusterSpec> specs,
                                                          Map<String, List<EndpointSpec>> assignments) {
    Map<String, UpstreamCluster> out = new HashMap<>();
    Map<String, Live> next = new HashMap<>();
    for (ClusterSpec spec : specs.values()) {
      Live previous = live.remove(spec.name());
      ClusterStats stats = previous != null ? previous.stats : new ClusterStats();
      LoadBalancer balancer = previous != null && previous.policy == spec.lbPolicy() ? previous.balancer
          : LoadBalancer.of(spec.lbPolicy());
      List<EndpointSpec> endpoints = switch (spec.type()) {
        case STATIC -> spec.staticEndpoints();
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
        if (host == null) {
          host = new Host(e, transport, events(stats));
        } else {
          host.update(e);
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
      next.put(spec.name(), new Live(stats, spec.lbPolicy(), balancer, hosts));
      out.put(spec.name(), new UpstreamCluster(spec, stats, balancer, ordered, healthy));
    }
    live.values().forEach(l -> l.hosts.values().forEach(Host::close));
    live.clear();
    live.putAll(next);
    return Map.copyOf(out);
  }

  private static ConnectionEvents events(ClusterStats stats) {
    return new ConnectionEvents() {
      @Override
      public void connectStarted() {
        stats.upstreamCxTotal.increment();
      }

      @Override
      public void connected() {
        stats.upstreamCxActive.increment();
      }

      @Override
      public void connectFailed() {
        stats.upstreamCxConnectFail.increment();
      }

      @Override
      public void closed() {
        stats.upstreamCxActive.decrement();
      }
    };
  }

  @Override
  public synchronized void close() {
    live.values().forEach(l -> l.hosts.values().forEach(Host::close));
    live.clear();
  }
}
