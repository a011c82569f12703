package dev.meshbox.proxy.spec;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * One endpoint as the control plane described it (EDS lb_endpoint or a STATIC load_assignment entry).
 *
 * @param metadata the string fields of {@code metadata.filter_metadata.istio} ({@code pod}, {@code namespace},
 *                 {@code workload})
 * @param labels   {@code metadata.filter_metadata.istio.labels} (the pod's labels: {@code app}, {@code version})
 */
public record EndpointSpec(
        InetSocketAddress address,
        boolean healthy,
        int weight,
        Map<String, String> metadata,
        Map<String, String> labels) {

    public EndpointSpec {
        Objects.requireNonNull(address, "address");
        weight = Math.max(1, weight);
        metadata = Map.copyOf(metadata);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public EndpointSpec(InetSocketAddress address, boolean healthy, int weight, Map<String, String> metadata) {
        this(address, healthy, weight, metadata, Map.of());
    }

    public static EndpointSpec healthy(InetSocketAddress address) {
        return new EndpointSpec(address, true, 1, Map.of());
    }

    /** {@code ip:port}, as Envoy prints hosts. */
    public String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
