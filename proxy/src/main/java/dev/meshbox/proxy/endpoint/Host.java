package dev.meshbox.proxy.endpoint;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live side of an endpoint: its counters, its active request count (for least-request balancing) and its
 * connection pool. A host outlives EDS updates that keep its address, so counters and idle connections survive.
 */
public final class Host implements AutoCloseable {

  private final InetSocketAddress address;
  private final String hostPort;
  private final HostStats stats = new HostStats();
  private final AtomicInteger activeRequests = new AtomicInteger();
  private final ConnectionPool pool;
  private volatile EndpointSpec spec;

  public Host(EndpointSpec spec, UpstreamTransport transport, ConnectionEvents clusterEvents) {
    this.spec = spec;
    this.address = spec.address();
    this.hostPort = spec.hostPort();
    this.pool = new ConnectionPool(address, transport, new ConnectionEvents() {
      @Override
      public void connectStarted() {
        stats.cxTotal.increment();
        clusterEvents.connectStarted();
      }

      @Override
      public void connected() {
        stats.cxActive.increment();
        clusterEvents.connected();
      }

      @Override
      public void connectFailed() {
        stats.cxConnectFail.increment();
        clusterEvents.connectFailed();
      }

      @Override
      public void closed() {
        stats.cxActive.decrement();
        clusterEvents.closed();
      }
    });
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

  public void update(EndpointSpec newSpec) {
    this.spec = newSpec;
  }

  public boolean healthy() {
    return spec.healthy();
  }

  public HostStats stats() {
    return stats;
  }

  public ConnectionPool pool() {
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

  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return hostPort;
  }
}
