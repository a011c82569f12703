package dev.meshbox.controlplane;

import dev.meshbox.controlplane.registry.ServiceRegistry;
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

    boolean remove(String clusterId) {
        return registries.remove(clusterId) != null;
    }

    /** Per cluster id, its registry's current snapshot. */
    Map<String, ServiceRegistry.Snapshot> snapshots() {
        Map<String, ServiceRegistry.Snapshot> out = new java.util.TreeMap<>();
        registries.forEach((id, r) -> out.put(id, r.snapshot()));
        return out;
    }
}
