package dev.meshbox.controlplane;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.registry.Topology;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The remote clusters a control plane watches (Istio's remote secrets): per cluster id, its registry. A change in
 * any of them runs {@code onChange} (the control plane's rebuild); a removed cluster's later changes are ignored.
 */
final class RemoteClusters {

    private final Runnable onChange;
    private final Map<String, ServiceRegistry> registries = new ConcurrentHashMap<>();
    private final java.util.Set<ServiceRegistry> subscribed = java.util.Collections.newSetFromMap(
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>()));

    RemoteClusters(Runnable onChange) {
        this.onChange = onChange;
    }

    void add(String clusterId, ServiceRegistry registry) {
        registries.put(clusterId, registry);
        if (subscribed.add(registry)) {
            // a registry is subscribed once; it pushes only while some cluster id still names it
            registry.onChange(s -> {
                if (registries.containsValue(registry)) {
                    onChange.run();
                }
            });
        }
    }

    /** Forgets every remote cluster: their later changes push nothing (the control plane closed). */
    void clear() {
        registries.clear();
    }

    /** The remote clusters' ids, sorted. */
    java.util.List<String> ids() {
        return registries.keySet().stream().sorted().toList();
    }

    java.util.Optional<ServiceRegistry> registry(String clusterId) {
        return java.util.Optional.ofNullable(registries.get(clusterId));
    }

    boolean remove(String clusterId) {
        return registries.remove(clusterId) != null;
    }

    /**
     * What this control plane's translator sees, as istiod's aggregate registry: the local snapshot plus every remote
     * cluster's services and pods. A service in several clusters is one service (the local definition, else the first
     * cluster's by id) whose endpoints are the union, since its selector picks pods of every cluster (or, on Docker, its
     * members are those of every cluster); a service only in a remote cluster is known too. Remote pods are keyed by cluster, so they never replace a local pod of the same
     * namespace and name, and carry their cluster's {@link Topology#CLUSTER} label (when the launcher did not set it);
     * local pods without topology labels get this control plane's cluster and network. With no remote cluster and
     * Istio's default identity the local snapshot is returned as it is: single-cluster meshes see no change.
     */
    ServiceRegistry.Snapshot view(ServiceRegistry.Snapshot local, String clusterId, String network) {
        Map<String, ServiceRegistry.Snapshot> remote = snapshots();
        if (remote.isEmpty() && network.isEmpty() && clusterId.equals(Topology.DEFAULT_CLUSTER_ID)) {
            return local;
        }
        Map<String, MeshService> services = new HashMap<>();
        Map<String, Pod> pods = new HashMap<>();
        long generation = local.generation();
        local.pods().forEach((key, pod) -> pods.put(key, stamped(pod, clusterId, network)));
        services.putAll(local.services());
        for (Map.Entry<String, ServiceRegistry.Snapshot> e : remote.entrySet()) {
            String id = e.getKey();
            ServiceRegistry.Snapshot s = e.getValue();
            generation += s.generation();
            s.services().forEach((key, service) -> services.merge(key, service, RemoteClusters::sameService));
            s.pods().forEach((key, pod) -> {
                if (!id.equals(clusterId)) {
                    pods.put(id + "/" + key, stamped(pod, id, ""));
                }
            });
        }
        return new ServiceRegistry.Snapshot(generation, Map.copyOf(services), Map.copyOf(pods));
    }

    /**
     * One service known in two clusters: the first definition, and where both name their pods (Docker's network alias
     * membership, which has no selector to pick the other cluster's pods) the pods of both.
     */
    private static MeshService sameService(MeshService first, MeshService other) {
        if (first.members().isEmpty() || other.members().isEmpty()) {
            return first;
        }
        java.util.Set<String> members = new java.util.TreeSet<>(first.members());
        members.addAll(other.members());
        return new MeshService(first.name(), first.namespace(), first.ports(), first.selector(), members, first.host());
    }

    /** The pod with {@link Topology#CLUSTER} (and {@link Topology#NETWORK} when known) added where missing. */
    private static Pod stamped(Pod pod, String clusterId, String network) {
        boolean needsCluster = !pod.labels().containsKey(Topology.CLUSTER);
        boolean needsNetwork = !network.isEmpty() && !pod.labels().containsKey(Topology.NETWORK);
        if (!needsCluster && !needsNetwork) {
            return pod;
        }
        Map<String, String> labels = new HashMap<>(pod.labels());
        if (needsCluster) {
            labels.put(Topology.CLUSTER, clusterId);
        }
        if (needsNetwork) {
            labels.put(Topology.NETWORK, network);
        }
        return new Pod(
                pod.name(),
                pod.namespace(),
                pod.ip(),
                pod.appAddress(),
                labels,
                pod.role(),
                pod.ready(),
                pod.serviceAccount());
    }

    /** Per cluster id, its registry's current snapshot. */
    Map<String, ServiceRegistry.Snapshot> snapshots() {
        Map<String, ServiceRegistry.Snapshot> out = new java.util.TreeMap<>();
        registries.forEach((id, r) -> out.put(id, r.snapshot()));
        return out;
    }
}
