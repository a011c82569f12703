package dev.meshbox.controlplane.config;

import java.util.Map;

/**
 * networking.istio.io WorkloadEntry, validated: a workload outside Kubernetes (a VM, a server on the machine) with an
 * address and labels. A ServiceEntry of its namespace whose {@code workloadSelector} its labels satisfy takes it as an
 * endpoint, as Istio's serviceentry registry does.
 *
 * @param ports per ServiceEntry port name, the port the workload serves it on
 */
public record WorkloadEntry(
        ResourceMeta meta,
        String yaml,
        String address,
        Map<String, Integer> ports,
        Map<String, String> labels,
        String network,
        int weight,
        String serviceAccount)
        implements IstioResource {

    public WorkloadEntry {
        ports = Map.copyOf(ports);
        labels = Map.copyOf(labels);
    }

    /** Whether a workload selector's labels all match this entry's. */
    public boolean selectedBy(Map<String, String> selector) {
        return !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** As a ServiceEntry endpoint. */
    public ServiceEntry.Endpoint asEndpoint() {
        return new ServiceEntry.Endpoint(address, ports, labels, network, weight);
    }
}
