package dev.meshbox.proxy.xds;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.listener.ListenerSpec;
import dev.meshbox.proxy.route.RouteTable;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything a request needs, compiled from the accepted xDS resources and published as one immutable value.
 * Handlers read it once per request; an update replaces it whole.
 */
public record ProxyConfig(
        Map<String, ListenerSpec> listeners,
        Map<Integer, ListenerSpec> virtualListenersByPort,
        Map<String, RouteTable> routes,
        Map<String, UpstreamCluster> clusters) {

    public static final ProxyConfig EMPTY = new ProxyConfig(Map.of(), Map.of(), Map.of());

    public ProxyConfig(
            Map<String, ListenerSpec> listeners,
            Map<String, RouteTable> routes,
            Map<String, UpstreamCluster> clusters) {
        this(Map.copyOf(listeners), virtualByPort(listeners), Map.copyOf(routes), Map.copyOf(clusters));
    }

    private static Map<Integer, ListenerSpec> virtualByPort(Map<String, ListenerSpec> listeners) {
        Map<Integer, ListenerSpec> byPort = new HashMap<>();
        listeners.values().stream()
                .filter(l -> !l.bindToPort())
                .sorted(java.util.Comparator.comparing(ListenerSpec::name))
                .forEach(l -> byPort.putIfAbsent(l.port(), l));
        return Map.copyOf(byPort);
    }

    public ProxyConfig withListeners(Map<String, ListenerSpec> newListeners) {
        return new ProxyConfig(newListeners, routes, clusters);
    }

    public ProxyConfig withRoutes(Map<String, RouteTable> newRoutes) {
        return new ProxyConfig(listeners, virtualListenersByPort, Map.copyOf(newRoutes), clusters);
    }

    public ProxyConfig withClusters(Map<String, UpstreamCluster> newClusters) {
        return new ProxyConfig(listeners, virtualListenersByPort, routes, Map.copyOf(newClusters));
    }
}
