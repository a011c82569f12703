package dev.meshbox.proxy.http;

import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.spec.ListenerSpec;

/**
 * What the listener layer found for one request, all from the one config snapshot it read: the listener that took
 * it, that listener's HTTP connection manager with its filter chain and route table, and the clusters routes name.
 * A null {@code hcm} means no listener took the request (404 NR).
 */
public record ResolvedListener(
        String listenerName,
        ListenerSpec.Direction direction,
        HcmSpec hcm,
        HttpFilterChain filters,
        RouteTable routes,
        ClusterLookup clusters) {

    /** No connection manager serves the request. */
    public static ResolvedListener none(String listenerName, ListenerSpec.Direction direction) {
        return new ResolvedListener(listenerName, direction, null, null, null, name -> null);
    }
}
