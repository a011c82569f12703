package dev.meshbox.controlplane.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The Envoy resources for one proxy, each list sorted by name so equal inputs give equal snapshots, plus the
 * problems met while translating (a route to an unknown host, say), which are reported but do not stop the rest.
 */
public record XdsResources(
        List<Listener> listeners,
        List<RouteConfiguration> routes,
        List<Cluster> clusters,
        List<ClusterLoadAssignment> endpoints,
        List<String> warnings) {

    /** Copies nothing that is already unmodifiable, so lists shared between proxies stay one instance. */
    public XdsResources {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        endpoints = List.copyOf(endpoints);
        warnings = List.copyOf(warnings);
    }

    /**
     * Two lists sorted by name merged into one sorted list, as a {@link Builder} would give them; on equal names the
     * entry of {@code later} wins, as a later {@code put} does.
     */
    static <T> List<T> mergeByName(List<T> sorted, List<T> later, Function<T, String> name) {
        TreeMap<String, T> small = new TreeMap<>();
        later.forEach(t -> small.put(name.apply(t), t));
        List<T> out = new ArrayList<>(sorted.size() + small.size());
        for (T t : sorted) {
            String n = name.apply(t);
            while (!small.isEmpty() && small.firstKey().compareTo(n) < 0) {
                out.add(small.pollFirstEntry().getValue());
            }
            if (!small.isEmpty() && small.firstKey().equals(n)) {
                continue; // replaced by the later entry, added in order just after
            }
            out.add(t);
        }
        out.addAll(small.values());
        return List.copyOf(out);
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private final Map<String, Listener> listeners = new TreeMap<>();
        private final Map<String, RouteConfiguration> routes = new TreeMap<>();
        private final Map<String, Cluster> clusters = new TreeMap<>();
        private final Map<String, ClusterLoadAssignment> endpoints = new TreeMap<>();
        private final List<String> warnings = new ArrayList<>();

        Builder listener(Listener l) {
            listeners.put(l.getName(), l);
            return this;
        }

        Builder route(RouteConfiguration r) {
            routes.put(r.getName(), r);
            return this;
        }

        Builder cluster(Cluster c) {
            clusters.put(c.getName(), c);
            return this;
        }

        Builder clusters(Collection<Cluster> cs) {
            cs.forEach(this::cluster);
            return this;
        }

        Builder endpoints(ClusterLoadAssignment e) {
            endpoints.put(e.getClusterName(), e);
            return this;
        }

        /** Adds everything of {@code r} (resources and warnings), as if translated into this builder. */
        Builder add(XdsResources r) {
            r.listeners().forEach(this::listener);
            r.routes().forEach(this::route);
            r.clusters().forEach(this::cluster);
            r.endpoints().forEach(this::endpoints);
            r.warnings().forEach(this::warn);
            return this;
        }

        Builder warn(String warning) {
            if (!warnings.contains(warning)) {
                warnings.add(warning);
            }
            return this;
        }

        XdsResources build() {
            return new XdsResources(
                    List.copyOf(listeners.values()),
                    List.copyOf(routes.values()),
                    List.copyOf(clusters.values()),
                    List.copyOf(endpoints.values()),
                    List.copyOf(warnings));
        }
    }
}
