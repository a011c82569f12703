package dev.meshbox.proxy.config;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.http.ClusterLookup;
import dev.meshbox.proxy.http.HttpFilterChain;
import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.spec.ListenerSpec;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Everything a request needs, compiled from the accepted xDS resources and published as one immutable value:
 * listeners, each connection manager's filter chain, route tables and clusters. An update replaces it whole; a request
 * reads it once, when its listener resolves it, and carries what it needs from that one snapshot.
 */
public final class ProxyConfig {

    public static final ProxyConfig EMPTY = new ProxyConfig(Map.of(), Map.of(), Map.of(), Map.of());

    private final Map<String, ListenerSpec> listeners;
    private final Map<Integer, ListenerSpec> virtualListenersByPort;
    private final Map<HcmSpec, HttpFilterChain> filterChains;
    private final Map<String, RouteTable> routes;
    private final Map<String, UpstreamCluster> clusters;
    private final ClusterLookup clusterLookup;

    /**
     * @param filterChains each connection manager's chain, keyed by the identity of the {@link HcmSpec} in
     *     {@code listeners}
     */
    public ProxyConfig(
            Map<String, ListenerSpec> listeners,
            Map<HcmSpec, HttpFilterChain> filterChains,
            Map<String, RouteTable> routes,
            Map<String, UpstreamCluster> clusters) {
        this(Map.copyOf(listeners), virtualByPort(listeners), identityCopy(filterChains), Map.copyOf(routes), clusters);
    }

    private ProxyConfig(
            Map<String, ListenerSpec> listeners,
            Map<Integer, ListenerSpec> virtualListenersByPort,
            Map<HcmSpec, HttpFilterChain> filterChains,
            Map<String, RouteTable> routes,
            Map<String, UpstreamCluster> clusters) {
        this.listeners = listeners;
        this.virtualListenersByPort = virtualListenersByPort;
        this.filterChains = filterChains;
        this.routes = routes;
        this.clusters = Map.copyOf(clusters);
        this.clusterLookup = this.clusters::get;
    }

    private static Map<Integer, ListenerSpec> virtualByPort(Map<String, ListenerSpec> listeners) {
        Map<Integer, ListenerSpec> byPort = new HashMap<>();
        listeners.values().stream()
                .filter(l -> !l.bindToPort())
                .sorted(Comparator.comparing(ListenerSpec::name))
                .forEach(l -> byPort.putIfAbsent(l.port(), l));
        return Map.copyOf(byPort);
    }

    private static Map<HcmSpec, HttpFilterChain> identityCopy(Map<HcmSpec, HttpFilterChain> chains) {
        return java.util.Collections.unmodifiableMap(new IdentityHashMap<>(chains));
    }

    public Map<String, ListenerSpec> listeners() {
        return listeners;
    }

    /** Listeners that bind no port, by port: where {@code virtualOutbound} hands requests for that port. */
    public Map<Integer, ListenerSpec> virtualListenersByPort() {
        return virtualListenersByPort;
    }

    public Map<String, RouteTable> routes() {
        return routes;
    }

    public Map<String, UpstreamCluster> clusters() {
        return clusters;
    }

    /** The clusters of this snapshot, for the requests resolved against it. */
    public ClusterLookup clusterLookup() {
        return clusterLookup;
    }

    /** The filter chain of {@code hcm}, one of this snapshot's connection managers. */
    public HttpFilterChain filtersOf(HcmSpec hcm) {
        return filterChains.get(hcm);
    }

    /** The route table of {@code hcm}: inline, or the RDS one by name (null until it arrives). */
    public RouteTable routesOf(HcmSpec hcm) {
        return hcm.inlineRoutes() != null ? hcm.inlineRoutes() : routes.get(hcm.rdsName());
    }

    public ProxyConfig withListeners(Map<String, ListenerSpec> newListeners, Map<HcmSpec, HttpFilterChain> chains) {
        return new ProxyConfig(
                Map.copyOf(newListeners), virtualByPort(newListeners), identityCopy(chains), routes, clusters);
    }

    public ProxyConfig withRoutes(Map<String, RouteTable> newRoutes) {
        return new ProxyConfig(listeners, virtualListenersByPort, filterChains, Map.copyOf(newRoutes), clusters);
    }

    public ProxyConfig withClusters(Map<String, UpstreamCluster> newClusters) {
        return new ProxyConfig(listeners, virtualListenersByPort, filterChains, routes, newClusters);
    }
}
