package dev.meshbox.controlplane.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The Envoy resources one proxy is to hold, as {@link XdsServer#publish} takes them. Lists already unmodifiable are
 * kept as they are, not copied: the server remembers what it derived from a list by the list's identity, so proxies
 * given the same list objects share their versions and snapshots. The SDS secrets ({@code default}, {@code ROOTCA})
 * are the proxy's own: its workload certificate and the mesh's root.
 */
public record ProxyResources(
        List<Listener> listeners,
        List<RouteConfiguration> routes,
        List<Cluster> clusters,
        List<ClusterLoadAssignment> endpoints,
        List<Secret> secrets) {

    public ProxyResources {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        endpoints = List.copyOf(endpoints);
        secrets = List.copyOf(secrets);
    }

    /** Resources without SDS secrets (a mesh without mTLS). */
    public ProxyResources(
            List<Listener> listeners,
            List<RouteConfiguration> routes,
            List<Cluster> clusters,
            List<ClusterLoadAssignment> endpoints) {
        this(listeners, routes, clusters, endpoints, List.of());
    }
}
