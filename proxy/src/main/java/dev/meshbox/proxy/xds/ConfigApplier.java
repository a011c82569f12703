package dev.meshbox.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.meshbox.proxy.cluster.ClusterCatalog;
import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.filter.HttpFilterFactory;
import dev.meshbox.proxy.http.HttpFilterChain;
import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.spec.ClusterConverter;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointConverter;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.spec.FilterChainSpec;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.spec.HttpFilterTypes;
import dev.meshbox.proxy.spec.ListenerConverter;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.spec.RouteConverter;
import dev.meshbox.proxy.spec.TransportSocketConverter;
import dev.meshbox.proxy.spec.TransportSocketSpec;
import dev.meshbox.proxy.tls.TlsSecret;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Turns each accepted xDS response into MeshBox's own model, once, and publishes a new {@link ProxyConfig}
 * through one {@link AtomicReference}. A response with any bad resource is rejected whole, so the previous
 * configuration keeps serving. Called on the xDS thread only.
 */
public final class ConfigApplier {

    /** An accepted resource as received, for {@code /config_dump}. */
    public record Accepted<M extends Message>(M resource, String version, Instant lastUpdated) {}

    private final ClusterCatalog catalog;
    private final Clock clock;
    private final HttpFilterTypes filterTypes;
    private final HttpFilterFactory filterFactory;
    private final AtomicReference<ProxyConfig> current = new AtomicReference<>(ProxyConfig.EMPTY);

    private volatile Map<String, Accepted<Listener>> listeners = Map.of();
    private volatile Map<String, Accepted<RouteConfiguration>> routes = Map.of();
    private volatile Map<String, Accepted<Cluster>> clusters = Map.of();
    private volatile Map<String, Accepted<ClusterLoadAssignment>> endpoints = Map.of();
    private volatile Map<String, Accepted<Secret>> secrets = Map.of();
    private final WorkloadTls tls;

    private Map<String, ListenerSpec> listenerSpecs = Map.of();
    private Map<String, RouteTable> routeTables = Map.of();
    private Map<String, ClusterSpec> clusterSpecs = Map.of();
    /** The clusters in service: warm ones, and the previous version of a cluster whose new version still warms. */
    private Map<String, ClusterSpec> activeSpecs = Map.of();

    private Set<String> warming = Set.of();
    private Map<String, List<EndpointSpec>> assignments = Map.of();
    private final Set<String> applied = new java.util.HashSet<>();

    public ConfigApplier(
            ClusterCatalog catalog,
            Clock clock,
            HttpFilterTypes filterTypes,
            HttpFilterFactory filterFactory,
            WorkloadTls tls) {
        this.tls = tls;
        this.catalog = catalog;
        this.clock = clock;
        this.filterTypes = filterTypes;
        this.filterFactory = filterFactory;
    }

    public AtomicReference<ProxyConfig> config() {
        return current;
    }

    public boolean hasApplied(String typeUrl) {
        return applied.contains(typeUrl);
    }

    /** Route configuration names the accepted listeners reference over RDS. */
    public Set<String> wantedRouteNames() {
        Set<String> names = new TreeSet<>();
        for (ListenerSpec l : listenerSpecs.values()) {
            l.chains().forEach(c -> {
                HcmSpec hcm = c.hcm();
                if (hcm != null && hcm.rdsName() != null) {
                    names.add(hcm.rdsName());
                }
            });
        }
        return names;
    }

    /** SDS secret names the accepted listeners' and clusters' TLS contexts refer to. */
    public Set<String> wantedSecretNames() {
        Set<String> names = new TreeSet<>();
        for (ListenerSpec l : listenerSpecs.values()) {
            for (FilterChainSpec c : l.chains()) {
                if (c.tls() != null) {
                    names.add(c.tls().certificateSecret());
                    if (c.tls().validationSecret() != null) {
                        names.add(c.tls().validationSecret());
                    }
                }
            }
        }
        for (ClusterSpec c : clusterSpecs.values()) {
            for (TransportSocketSpec t : c.transportSockets()) {
                if (t.tls() != null && t.tls().usesSds()) {
                    names.add(t.tls().certificateSecret());
                    names.add(t.tls().validationSecret());
                }
            }
        }
        return names;
    }

    public Set<String> receivedSecretNames() {
        return secrets.keySet();
    }

    public Map<String, Accepted<Secret>> secrets() {
        return secrets;
    }

    /** EDS resource names of the accepted EDS clusters (and of the versions still serving while others warm). */
    public Set<String> wantedEndpointNames() {
        Set<String> names = new TreeSet<>();
        clusterSpecs.values().stream()
                .filter(c -> c.type() == ClusterSpec.Type.EDS)
                .forEach(c -> names.add(c.edsResourceName()));
        activeSpecs.values().stream()
                .filter(c -> c.type() == ClusterSpec.Type.EDS)
                .forEach(c -> names.add(c.edsResourceName()));
        return names;
    }

    /** Clusters accepted over CDS that wait for their first EDS response before they serve. */
    public Set<String> warmingClusters() {
        return warming;
    }

    /**
     * Envoy's {@code initial_fetch_timeout}: clusters still warming after it serve with the endpoints they have
     * (none). Returns whether anything changed.
     */
    public boolean finishWarming(Set<String> names) {
        Set<String> done = new java.util.HashSet<>(warming);
        done.retainAll(names);
        if (done.isEmpty()) {
            return false;
        }
        publishClusters(done);
        return true;
    }

    public Map<String, ListenerSpec> listenerSpecs() {
        return listenerSpecs;
    }

    public Set<String> receivedRouteNames() {
        return routeTables.keySet();
    }

    public Set<String> receivedEndpointNames() {
        return assignments.keySet();
    }

    public Map<String, Accepted<Listener>> listeners() {
        return listeners;
    }

    public Map<String, Accepted<RouteConfiguration>> routes() {
        return routes;
    }

    public Map<String, Accepted<Cluster>> clusters() {
        return clusters;
    }

    public Map<String, Accepted<ClusterLoadAssignment>> endpoints() {
        return endpoints;
    }

    /** Applies one response; returns null when accepted, else why it was rejected. */
    public String apply(String typeUrl, String version, List<Any> resources) {
        try {
            switch (typeUrl) {
                case TypeUrls.LISTENER -> applyListeners(version, resources);
                case TypeUrls.ROUTE -> applyRoutes(version, resources);
                case TypeUrls.CLUSTER -> applyClusters(version, resources);
                case TypeUrls.ENDPOINT -> applyEndpoints(version, resources);
                case TypeUrls.SECRET -> applySecrets(version, resources);
                default -> {
                    return "unsupported type " + typeUrl;
                }
            }
            applied.add(typeUrl);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private void applyListeners(String version, List<Any> resources) {
        Map<String, Accepted<Listener>> raw = unpackAll(resources, Listener.class, Listener::getName, version);
        Map<String, ListenerSpec> specs = new LinkedHashMap<>();
        Map<Integer, String> boundPorts = new HashMap<>();
        Map<Integer, String> virtualPorts = new HashMap<>();
        for (Accepted<Listener> a : raw.values()) {
            ListenerSpec spec = ListenerConverter.convert(a.resource(), filterTypes);
            for (int port : spec.boundPorts()) {
                String other = boundPorts.putIfAbsent(port, spec.name());
                if (other != null) {
                    throw new IllegalArgumentException(
                            "listener " + spec.name() + ": port " + port + " is already bound by listener " + other);
                }
            }
            if (!spec.bindToPort()) {
                String other = virtualPorts.putIfAbsent(spec.port(), spec.name());
                if (other != null) {
                    throw new IllegalArgumentException("listener " + spec.name() + ": virtual port " + spec.port()
                            + " is already used by listener " + other);
                }
            }
            specs.put(spec.name(), spec);
        }
        Map<HcmSpec, HttpFilterChain> chains = new IdentityHashMap<>();
        for (ListenerSpec spec : specs.values()) {
            for (FilterChainSpec chain : spec.chains()) {
                if (chain.hcm() != null) {
                    try {
                        chains.put(chain.hcm(), filterFactory.chain(chain.hcm()));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("listener " + spec.name() + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        listenerSpecs = Map.copyOf(specs);
        listeners = raw;
        current.set(current.get().withListeners(listenerSpecs, chains));
    }

    private void applyRoutes(String version, List<Any> resources) {
        Map<String, Accepted<RouteConfiguration>> raw =
                unpackAll(resources, RouteConfiguration.class, RouteConfiguration::getName, version);
        // State of the world for a named type: what was not re-sent stays, as long as it is still wanted;
        // what was not asked for is ignored (a server may answer an empty subscription as a wildcard).
        Set<String> wanted = wantedRouteNames();
        raw = only(raw, wanted);
        Map<String, RouteTable> tables = new HashMap<>();
        for (Accepted<RouteConfiguration> a : raw.values()) {
            tables.put(a.resource().getName(), RouteConverter.convert(a.resource(), filterTypes));
        }
        Map<String, Accepted<RouteConfiguration>> mergedRaw = new LinkedHashMap<>(raw);
        routes.forEach((name, a) -> {
            if (wanted.contains(name)) {
                mergedRaw.putIfAbsent(name, a);
            }
        });
        routeTables.forEach((name, t) -> {
            if (wanted.contains(name)) {
                tables.putIfAbsent(name, t);
            }
        });
        routeTables = Map.copyOf(tables);
        routes = java.util.Collections.unmodifiableMap(mergedRaw);
        current.set(current.get().withRoutes(routeTables));
    }

    private void applyClusters(String version, List<Any> resources) {
        Map<String, Accepted<Cluster>> raw = unpackAll(resources, Cluster.class, Cluster::getName, version);
        Map<String, ClusterSpec> specs = new LinkedHashMap<>();
        for (Accepted<Cluster> a : raw.values()) {
            specs.put(a.resource().getName(), ClusterConverter.convert(a.resource()));
        }
        clusterSpecs = Map.copyOf(specs);
        clusters = raw;
        Map<String, ClusterSpec> stillActive = new HashMap<>(activeSpecs);
        stillActive.keySet().retainAll(clusterSpecs.keySet());
        activeSpecs = Map.copyOf(stillActive);
        Set<String> wanted = wantedEndpointNames();
        Map<String, List<EndpointSpec>> keptAssignments = new HashMap<>(assignments);
        keptAssignments.keySet().retainAll(wanted);
        assignments = Map.copyOf(keptAssignments);
        Map<String, Accepted<ClusterLoadAssignment>> keptRaw = new LinkedHashMap<>(endpoints);
        keptRaw.keySet().retainAll(wanted);
        endpoints = java.util.Collections.unmodifiableMap(keptRaw);
        publishClusters(Set.of());
    }

    /**
     * Envoy's cluster warming: an EDS cluster serves once its load assignment has arrived; until then requests see
     * the previous version of the cluster, or no cluster at all. Clusters named in {@code forced} serve regardless.
     */
    private void publishClusters(Set<String> forced) {
        Map<String, ClusterSpec> active = new HashMap<>();
        Set<String> stillWarming = new TreeSet<>();
        for (ClusterSpec spec : clusterSpecs.values()) {
            boolean warm = spec.type() != ClusterSpec.Type.EDS
                    || assignments.containsKey(spec.edsResourceName())
                    || forced.contains(spec.name());
            if (warm) {
                active.put(spec.name(), spec);
            } else {
                stillWarming.add(spec.name());
                ClusterSpec previous = activeSpecs.get(spec.name());
                if (previous != null) {
                    active.put(spec.name(), previous);
                }
            }
        }
        activeSpecs = Map.copyOf(active);
        warming = Set.copyOf(stillWarming);
        current.set(current.get().withClusters(catalog.rebuild(activeSpecs, assignments)));
    }

    private void applyEndpoints(String version, List<Any> resources) {
        Map<String, Accepted<ClusterLoadAssignment>> raw =
                unpackAll(resources, ClusterLoadAssignment.class, ClusterLoadAssignment::getClusterName, version);
        Set<String> wanted = wantedEndpointNames();
        raw = only(raw, wanted);
        Map<String, List<EndpointSpec>> next = new HashMap<>();
        for (Accepted<ClusterLoadAssignment> a : raw.values()) {
            next.put(a.resource().getClusterName(), EndpointConverter.convert(a.resource()));
        }
        assignments.forEach((name, eps) -> {
            if (wanted.contains(name)) {
                next.putIfAbsent(name, eps);
            }
        });
        Map<String, Accepted<ClusterLoadAssignment>> mergedRaw = new LinkedHashMap<>(raw);
        endpoints.forEach((name, a) -> {
            if (wanted.contains(name)) {
                mergedRaw.putIfAbsent(name, a);
            }
        });
        assignments = Map.copyOf(next);
        endpoints = java.util.Collections.unmodifiableMap(mergedRaw);
        publishClusters(Set.of());
    }

    private void applySecrets(String version, List<Any> resources) {
        Map<String, Accepted<Secret>> raw = unpackAll(resources, Secret.class, Secret::getName, version);
        Set<String> wanted = wantedSecretNames();
        Map<String, Accepted<Secret>> merged = new LinkedHashMap<>(only(raw, wanted));
        secrets.forEach((name, a) -> {
            if (wanted.contains(name)) {
                merged.putIfAbsent(name, a);
            }
        });
        Map<String, TlsSecret> converted = new HashMap<>();
        merged.forEach((name, a) -> converted.put(name, TransportSocketConverter.secret(a.resource())));
        tls.update(converted); // throws (a NACK) when the secrets make no TLS context; the old one keeps serving
        secrets = java.util.Collections.unmodifiableMap(merged);
    }

    private static <M extends Message> Map<String, Accepted<M>> only(Map<String, Accepted<M>> raw, Set<String> names) {
        Map<String, Accepted<M>> out = new LinkedHashMap<>(raw);
        out.keySet().retainAll(names);
        return out;
    }

    private <M extends Message> Map<String, Accepted<M>> unpackAll(
            List<Any> resources, Class<M> type, Function<M, String> name, String version) {
        Map<String, Accepted<M>> out = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (int i = 0; i < resources.size(); i++) {
            Any any = resources.get(i);
            M message;
            try {
                message = any.unpack(type);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        "resources[" + i + "]: cannot decode " + any.getTypeUrl() + " as " + type.getSimpleName() + ": "
                                + e.getMessage(),
                        e);
            }
            String key = name.apply(message);
            if (out.put(key, new Accepted<>(message, version, now)) != null) {
                throw new IllegalArgumentException(
                        type.getSimpleName() + " " + key + ": appears twice in one response");
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
