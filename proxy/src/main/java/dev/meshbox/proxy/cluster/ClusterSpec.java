package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.EndpointSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** A cluster as CDS described it, in MeshBox's own terms. */
public record ClusterSpec(String name, Type type, String edsServiceName, LbPolicy lbPolicy, Duration connectTimeout,
                          List<EndpointSpec> staticEndpoints, Limits limits) {

  public enum Type { STATIC, EDS, ORIGINAL_DST }

  public enum LbPolicy { LEAST_REQUEST, ROUND_ROBIN, RANDOM }

  /** Envoy's circuit breaker thresholds for the default priority. */
  public record Limits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
    public static final Limits ENVOY_DEFAULTS = new Limits(1024, 1024, 1024, 3);
  }

  public ClusterSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    staticEndpoints = List.copyOf(staticEndpoints);
    limits = limits == null ? Limits.ENVOY_DEFAULTS : limits;
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
  }

  public static ClusterSpec eds(String name, LbPolicy lb) {
    return new ClusterSpec(name, Type.EDS, name, lb, Duration.ofSeconds(10), List.of(), null);
  }

  public static ClusterSpec fixed(String name, LbPolicy lb, List<EndpointSpec> endpoints) {
    return new ClusterSpec(name, Type.STATIC, null, lb, Duration.ofSeconds(10), endpoints, null);
  }

  /** The EDS resource name this cluster subscribes to: service_name, else the cluster name. */
  public String edsResourceName() {
    return edsServiceName == null || edsServiceName.isEmpty() ? name : edsServiceName;
  }
}
