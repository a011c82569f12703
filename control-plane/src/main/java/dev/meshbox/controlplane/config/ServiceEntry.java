package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;

/**
 * networking.istio.io ServiceEntry, validated: hosts added to the mesh's registry, inside or outside the mesh. Each
 * host becomes a service of its own with the entry's ports; where its traffic goes follows {@code resolution}, as
 * Istio's {@code convertResolution}: NONE to the address the app dialled (ORIGINAL_DST), STATIC to the
 * {@code endpoints} (EDS), DNS to every address the endpoints or the host resolve to (STRICT_DNS), DNS_ROUND_ROBIN to
 * the first (LOGICAL_DNS).
 *
 * @param hosts the hosts, lower-cased as Istio matches them; a prefix wildcard {@code *.example.com} is allowed
 * @param addresses virtual IPs or CIDRs
 * @param workloadSelector labels picking pods as endpoints (MESH_INTERNAL services backed by workloads); empty when
 *     none
 * @param exportTo the namespaces that see the entry ({@code *} all, {@code .} its own); {@code *} when left out
 */
public record ServiceEntry(
        ResourceMeta meta,
        String yaml,
        List<String> hosts,
        List<String> addresses,
        List<Port> ports,
        Location location,
        Resolution resolution,
        List<Endpoint> endpoints,
        Map<String, String> workloadSelector,
        List<String> exportTo,
        List<String> subjectAltNames)
        implements IstioResource {

    /** {@code ServiceEntry.Location}. */
    public enum Location {
        MESH_EXTERNAL,
        MESH_INTERNAL
    }

    /** {@code ServiceEntry.Resolution}, with the Envoy cluster type Istio gives each. */
    public enum Resolution {
        NONE("ORIGINAL_DST"),
        STATIC("EDS"),
        DNS("STRICT_DNS"),
        DNS_ROUND_ROBIN("LOGICAL_DNS");

        private final String clusterType;

        Resolution(String clusterType) {
            this.clusterType = clusterType;
        }

        /** The Envoy cluster type Istio uses for this resolution. */
        public String clusterType() {
            return clusterType;
        }
    }

    /** A port of the entry: clients use {@code number}; {@code targetPort} (0 when unset) is the endpoints'. */
    public record Port(int number, String name, String protocol, int targetPort) {
        /** Whether Istio routes this port's traffic as HTTP (HTTP, HTTP2, GRPC and their variants). */
        public boolean http() {
            return protocol.equals("HTTP")
                    || protocol.equals("HTTP2")
                    || protocol.equals("GRPC")
                    || protocol.equals("GRPC-WEB");
        }
    }

    /**
     * A WorkloadEntry-shaped endpoint.
     *
     * @param ports per entry port name, the endpoint's port (else the entry port's targetPort, else its number)
     */
    public record Endpoint(
            String address, Map<String, Integer> ports, Map<String, String> labels, String network, int weight) {
        public Endpoint {
            ports = Map.copyOf(ports);
            labels = Map.copyOf(labels);
        }

        /** The port this endpoint serves {@code port} on. */
        public int portFor(Port port) {
            Integer own = ports.get(port.name());
            if (own != null) {
                return own;
            }
            return port.targetPort() > 0 ? port.targetPort() : port.number();
        }
    }

    public ServiceEntry {
        hosts = List.copyOf(hosts);
        addresses = List.copyOf(addresses);
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
        workloadSelector = Map.copyOf(workloadSelector);
        exportTo = exportTo.isEmpty() ? List.of("*") : List.copyOf(exportTo);
        subjectAltNames = List.copyOf(subjectAltNames);
    }

    /** Whether a proxy in {@code namespace} sees this entry, by {@code exportTo}. */
    public boolean visibleFrom(String namespace) {
        for (String to : exportTo) {
            if (to.equals("*") || to.equals(namespace) || to.equals(".") && namespace.equals(meta.namespace())) {
                return true;
            }
        }
        return false;
    }
}
