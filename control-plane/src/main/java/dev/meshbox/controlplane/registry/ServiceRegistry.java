package dev.meshbox.controlplane.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Services and pods, fed by a backend (local, Docker, Kubernetes). Changes are published as immutable
 * snapshots so the translator always reads one consistent view.
 */
public final class ServiceRegistry {

    /** One consistent view of the registry. */
    public record Snapshot(long generation, Map<String, MeshService> services, Map<String, Pod> pods) {

        public List<MeshService> servicesSorted() {
            return services.values().stream()
                    .sorted(Comparator.comparing(MeshService::fqdn))
                    .toList();
        }

        /**
         * Resolves a VirtualService or DestinationRule host (short, namespaced or FQDN) against {@code namespace}. A
         * ServiceEntry host is found by the host itself (its services are keyed by host, with no namespace).
         */
        public Optional<MeshService> resolve(String host, String namespace) {
            MeshService entry = services.get(host.toLowerCase(java.util.Locale.ROOT));
            if (entry != null && !host.contains("/")) {
                return Optional.of(entry);
            }
            String[] parts = host.split("\\.");
            String name = parts[0];
            String ns = parts.length > 1 ? parts[1] : namespace;
            if (parts.length > 2 && !host.endsWith(".svc") && !host.endsWith(".svc.cluster.local")) {
                return Optional.empty();
            }
            return Optional.ofNullable(services.get(ns + "/" + name));
        }

        public List<Pod> endpoints(MeshService service) {
            List<Pod> out = new ArrayList<>();
            for (Pod p : pods.values()) {
                if (p.ready() && service.includes(p)) {
                    out.add(p);
                }
            }
            out.sort(Comparator.comparing(Pod::name));
            return out;
        }

        public List<Pod> proxies() {
            return pods.values().stream()
                    .filter(p -> p.role() != Pod.ProxyKind.NONE)
                    .sorted(Comparator.comparing(Pod::name))
                    .toList();
        }

        /** Services whose selector picks this pod (its inbound ports). */
        public List<MeshService> servicesOf(Pod pod) {
            return services.values().stream()
                    .filter(s -> s.includes(pod))
                    .sorted(Comparator.comparing(MeshService::fqdn))
                    .toList();
        }
    }

    private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, MeshService> services = new TreeMap<>();
    private final Map<String, Pod> pods = new TreeMap<>();
    private volatile Snapshot current = new Snapshot(0, Map.of(), Map.of());

    public Snapshot snapshot() {
        return current;
    }

    public void onChange(Consumer<Snapshot> listener) {
        listeners.add(listener);
    }

    public void putService(MeshService service) {
        synchronized (this) {
            services.put(service.namespace() + "/" + service.name(), service);
        }
        publish();
    }

    /**
     * Adds or replaces several services and pods as one change: listeners (the control plane's rebuild) hear of it
     * once, where a put per pod would rebuild the mesh once per pod.
     */
    public void putAll(List<MeshService> newServices, List<Pod> newPods) {
        synchronized (this) {
            newServices.forEach(s -> services.put(s.namespace() + "/" + s.name(), s));
            newPods.forEach(p -> pods.put(p.namespace() + "/" + p.name(), p));
        }
        publish();
    }

    public void removeService(String namespace, String name) {
        synchronized (this) {
            services.remove(namespace + "/" + name);
        }
        publish();
    }

    public void putPod(Pod pod) {
        synchronized (this) {
            pods.put(pod.namespace() + "/" + pod.name(), pod);
        }
        publish();
    }

    public void removePod(String namespace, String name) {
        synchronized (this) {
            pods.remove(namespace + "/" + name);
        }
        publish();
    }

    private void publish() {
        Snapshot s;
        synchronized (this) {
            current = new Snapshot(current.generation() + 1, Map.copyOf(services), Map.copyOf(pods));
            s = current;
        }
        listeners.forEach(l -> l.accept(s));
    }
}
