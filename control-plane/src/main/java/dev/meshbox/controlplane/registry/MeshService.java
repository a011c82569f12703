package dev.meshbox.controlplane.registry;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service in the mesh: a name in a namespace, its ports, and which pods back it: those its label selector picks
 * (Kubernetes), and those named in {@code members} (Docker, where a network alias, not a label, makes a container
 * part of a service). A ServiceEntry's host is a service too, named by its {@code host} rather than
 * {@code name.namespace.svc.cluster.local}.
 *
 * @param host the ServiceEntry host ({@code httpbin.org}, {@code *.example.com}) this service stands for, or null for
 *     a platform service
 */
public record MeshService(
        String name,
        String namespace,
        List<ServicePort> ports,
        Map<String, String> selector,
        Set<String> members,
        String host) {

    public MeshService {
        ports = List.copyOf(ports);
        selector = Map.copyOf(selector);
        members = Set.copyOf(members);
    }

    /** A platform service (Kubernetes, Docker, local). */
    public MeshService(
            String name, String namespace, List<ServicePort> ports, Map<String, String> selector, Set<String> members) {
        this(name, namespace, ports, selector, members, null);
    }

    /** A ServiceEntry host of {@code namespace}, its pods (if any) picked by the entry's workload selector. */
    public static MeshService entryHost(
            String host, String namespace, List<ServicePort> ports, Map<String, String> workloadSelector) {
        return new MeshService(host, namespace, ports, workloadSelector, Set.of(), host);
    }

    /** Whether this service is a ServiceEntry host rather than a platform service. */
    public boolean fromServiceEntry() {
        return host != null;
    }

    /** A service whose pods are chosen by labels only, as a Kubernetes Service's. */
    public MeshService(String name, String namespace, List<ServicePort> ports, Map<String, String> selector) {
        this(name, namespace, ports, selector, Set.of());
    }

    /** {@code reviews.default.svc.cluster.local}. */
    public String fqdn() {
        return host != null ? host : name + "." + namespace + ".svc.cluster.local";
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
