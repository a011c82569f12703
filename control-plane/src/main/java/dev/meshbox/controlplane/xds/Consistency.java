package dev.meshbox.controlplane.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The snapshot consistency rule of java-control-plane's {@code Snapshot.ensureConsistent()}: every route
 * configuration a listener names over RDS and every EDS cluster's assignment is in the snapshot. Done here because
 * that method only recognises the deprecated filter name {@code envoy.http_connection_manager}, not the
 * {@code envoy.filters.network.http_connection_manager} Istio writes.
 */
final class Consistency {
    private Consistency() {}

    /** Null when consistent, else what is missing. */
    static String check(ProxyResources r) {
        Set<String> routeNames =
                r.routes().stream().map(RouteConfiguration::getName).collect(Collectors.toSet());
        Set<String> missing = new TreeSet<>();
        for (Listener l : r.listeners()) {
            for (FilterChain fc : l.getFilterChainsList()) {
                for (Filter f : fc.getFiltersList()) {
                    if (!f.getTypedConfig().is(HttpConnectionManager.class)) {
                        continue;
                    }
                    try {
                        HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                        if (hcm.hasRds() && !routeNames.contains(hcm.getRds().getRouteConfigName())) {
                            missing.add(
                                    "route " + hcm.getRds().getRouteConfigName() + " (listener " + l.getName() + ")");
                        }
                    } catch (InvalidProtocolBufferException e) {
                        missing.add("readable HttpConnectionManager in listener " + l.getName());
                    }
                }
            }
        }
        Set<String> assignments = r.endpoints().stream()
                .map(ClusterLoadAssignment::getClusterName)
                .collect(Collectors.toSet());
        for (Cluster c : r.clusters()) {
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                String name = c.getEdsClusterConfig().getServiceName().isEmpty()
                        ? c.getName()
                        : c.getEdsClusterConfig().getServiceName();
                if (!assignments.contains(name)) {
                    missing.add("endpoints " + name);
                }
            }
        }
        return missing.isEmpty() ? null : "missing " + String.join(", ", missing);
    }
}
