package dev.meshbox.proxy.endpoint;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/** One endpoint as the control plane described it (EDS lb_endpoint or a STATIC load_assignment entry). */
public record EndpointSpec(InetSocketAddress address, boolean healthy, int weight, Map<String, String> metadata) {

  public EndpointSpec {
    Objects.requireNonNull(address, "address");
    weight = Math.max(1, weight);
    metadata = Map.copyOf(metadata);
  }

  public static EndpointSpec healthy(InetSocketAddress address) {
    return new EndpointSpec(address, true, 1, Map.of());
  }

  /** {@code ip:port}, as Envoy prints hosts. */
  public String hostPort() {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }
}
