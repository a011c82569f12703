package dev.meshbox.controlplane.registry;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service in the mesh: a name in a namespace, its ports, and which pods back it: those its label selector picks
 * (Kubernetes), and those named in {@code members} (Docker, where a network alias, not a label, makes a container
 * part of a service).
 */
public record MeshService(
        String name, String namespace, List<ServicePort> ports, Map<String, String> selector, Set<String> members) {

    public MeshService {
        ports = List.copyOf(ports);
        selector = Map.copyOf(selector);
        members = Set.copyOf(members);
    }

    /** A service whose pods are chosen by labels only, as a Kubernetes Service's. */
    public MeshService(String name, String namespace, List<ServicePort> ports, Map<String, String> selector) {
        this(name, namespace, ports, selector, Set.of());
    }

    /** {@code reviews.default.svc.cluster.local}. */
    public String fqdn() {
        return name + "." + namespace + ".svc.cluster.local";
    }

    public boolean selects(Map<String, String> labels) {
        return !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** Whether the pod backs this service: same namespace, and picked by the selector or named as a member. */
    public boolean includes(Pod pod) {
        return pod.namespace().equals(namespace) && (members.contains(pod.name()) || selects(pod.labels()));
    }
}
