package dev.meshbox.controlplane.registry;

import java.util.List;
import java.util.Map;

/** A service in the mesh: a name in a namespace, its ports, and the label selector choosing its pods. */
public record MeshService(String name, String namespace, List<ServicePort> ports, Map<String, String> selector) {

    public MeshService {
        ports = List.copyOf(ports);
        selector = Map.copyOf(selector);
    }

    /** {@code reviews.default.svc.cluster.local}. */
    public String fqdn() {
        return name + "." + namespace + ".svc.cluster.local";
    }

    public boolean selects(Map<String, String> labels) {
        return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
