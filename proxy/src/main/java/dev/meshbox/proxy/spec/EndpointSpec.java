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
 * @param socketMatch {@code metadata.filter_metadata["envoy.transport_socket_match"]}, which a cluster's
 *                 {@code transport_socket_matches} select on (Istio: {@code tlsMode: istio} for pods with a sidecar)
 */
public record EndpointSpec(
        InetSocketAddress address,
        boolean healthy,
        int weight,
        Map<String, String> metadata,
        Map<String, String> labels,
        Map<String, String> socketMatch,
        Locality locality) {

    /**
     * Where the endpoint is, from its EDS {@code LocalityLbEndpoints}: the locality, the group's {@code priority} (0 is
     * the highest) and its {@code load_balancing_weight} (used with {@code locality_weighted_lb_config}).
     */
    public record Locality(String region, String zone, String subZone, int priority, int weight) {
        public static final Locality NONE = new Locality("", "", "", 0, 1);

        public Locality {
            weight = Math.max(1, weight);
        }

        /** Whether {@code other} is the same locality (region, zone and subzone), whatever the priority. */
        public boolean sameAs(Locality other) {
            return region.equals(other.region) && zone.equals(other.zone) && subZone.equals(other.subZone);
        }
    }

    public EndpointSpec {
        locality = locality == null ? Locality.NONE : locality;
        socketMatch = socketMatch == null ? Map.of() : Map.copyOf(socketMatch);
        Objects.requireNonNull(address, "address");
        weight = Math.max(1, weight);
        metadata = Map.copyOf(metadata);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public EndpointSpec(
            InetSocketAddress address,
            boolean healthy,
            int weight,
            Map<String, String> metadata,
            Map<String, String> labels,
            Map<String, String> socketMatch) {
        this(address, healthy, weight, metadata, labels, socketMatch, Locality.NONE);
    }

    public EndpointSpec(InetSocketAddress address, boolean healthy, int weight, Map<String, String> metadata) {
        this(address, healthy, weight, metadata, Map.of(), Map.of());
    }

    public EndpointSpec(
            InetSocketAddress address,
            boolean healthy,
            int weight,
            Map<String, String> metadata,
            Map<String, String> labels) {
        this(address, healthy, weight, metadata, labels, Map.of());
    }

    public static EndpointSpec healthy(InetSocketAddress address) {
        return new EndpointSpec(address, true, 1, Map.of());
    }

    /** {@code ip:port}, as Envoy prints hosts. */
    public String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
