package dev.meshbox.proxy.spec;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns a {@code ClusterLoadAssignment} into endpoint specs; problems are IllegalArgumentExceptions. */
public final class EndpointConverter {

    private EndpointConverter() {}

    public static List<EndpointSpec> convert(ClusterLoadAssignment cla) {
        String where = "cluster_load_assignment " + cla.getClusterName();
        List<EndpointSpec> out = new ArrayList<>();
        for (int l = 0; l < cla.getEndpointsCount(); l++) {
            var locality = cla.getEndpoints(l);
            EndpointSpec.Locality place = new EndpointSpec.Locality(
                    locality.getLocality().getRegion(),
                    locality.getLocality().getZone(),
                    locality.getLocality().getSubZone(),
                    locality.getPriority(),
                    locality.hasLoadBalancingWeight()
                            ? locality.getLoadBalancingWeight().getValue()
                            : 1);
            for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
                LbEndpoint lb = locality.getLbEndpoints(e);
                String at = where + ": endpoints[" + l + "].lb_endpoints[" + e + "].endpoint.address";
                if (!lb.hasEndpoint() || !lb.getEndpoint().getAddress().hasSocketAddress()) {
                    throw new IllegalArgumentException(at + ": socket_address is required");
                }
                InetSocketAddress address =
                        socketAddress(lb.getEndpoint().getAddress().getSocketAddress(), at);
                HealthStatus health = lb.getHealthStatus();
                boolean healthy = health == HealthStatus.HEALTHY || health == HealthStatus.UNKNOWN;
                int weight = lb.hasLoadBalancingWeight()
                        ? lb.getLoadBalancingWeight().getValue()
                        : 1;
                out.add(new EndpointSpec(
                        address, healthy, weight, istioMetadata(lb), istioLabels(lb), socketMatch(lb), place));
            }
        }
        return out;
    }

    /**
     * The endpoints of a STRICT_DNS ({@code firstOnly} false: every address a name resolves to) or LOGICAL_DNS
     * ({@code firstOnly}: the first address only) cluster. Resolved here, off the event loops, when the cluster
     * arrives; a name that does not resolve gives no endpoint (its requests find no healthy upstream), as Envoy's DNS
     * cluster has no hosts until a resolution succeeds.
     */
    public static List<EndpointSpec> resolve(ClusterLoadAssignment cla, boolean firstOnly) {
        String where = "cluster_load_assignment " + cla.getClusterName();
        List<EndpointSpec> out = new ArrayList<>();
        for (int l = 0; l < cla.getEndpointsCount(); l++) {
            var locality = cla.getEndpoints(l);
            for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
                LbEndpoint lb = locality.getLbEndpoints(e);
                String at = where + ": endpoints[" + l + "].lb_endpoints[" + e + "].endpoint.address";
                if (!lb.hasEndpoint() || !lb.getEndpoint().getAddress().hasSocketAddress()) {
                    throw new IllegalArgumentException(at + ": socket_address is required");
                }
                SocketAddress sa = lb.getEndpoint().getAddress().getSocketAddress();
                int port = sa.getPortValue();
                if (port <= 0 || port > 65535) {
                    throw new IllegalArgumentException(at + ".port_value: must be in [1, 65535], got " + port);
                }
                InetAddress[] addresses;
                try {
                    addresses = InetAddress.getAllByName(sa.getAddress());
                } catch (UnknownHostException ex) {
                    continue;
                }
                int weight = lb.hasLoadBalancingWeight()
                        ? lb.getLoadBalancingWeight().getValue()
                        : 1;
                for (InetAddress a : addresses) {
                    out.add(new EndpointSpec(
                            new InetSocketAddress(a, port),
                            true,
                            weight,
                            istioMetadata(lb),
                            istioLabels(lb),
                            socketMatch(lb)));
                    if (firstOnly) {
                        return out;
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, String> istioMetadata(LbEndpoint lb) {
        var istio = lb.getMetadata().getFilterMetadataMap().get("istio");
        if (istio == null) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, Value> e : istio.getFieldsMap().entrySet()) {
            if (e.getValue().hasStringValue()) {
                out.put(e.getKey(), e.getValue().getStringValue());
            }
        }
        return out;
    }

    private static Map<String, String> socketMatch(LbEndpoint lb) {
        var match = lb.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
        if (match == null) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        match.getFieldsMap().forEach((k, v) -> {
            if (v.hasStringValue()) {
                out.put(k, v.getStringValue());
            }
        });
        return out;
    }

    private static Map<String, String> istioLabels(LbEndpoint lb) {
        var istio = lb.getMetadata().getFilterMetadataMap().get("istio");
        Value labels = istio == null ? null : istio.getFieldsMap().get("labels");
        if (labels == null || !labels.hasStructValue()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        labels.getStructValue().getFieldsMap().forEach((k, v) -> {
            if (v.hasStringValue()) {
                out.put(k, v.getStringValue());
            }
        });
        return out;
    }

    /** A literal IP socket address; names are rejected because a proxy must not block on DNS. */
    public static InetSocketAddress socketAddress(SocketAddress sa, String where) {
        if (sa.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
            throw new IllegalArgumentException(where + ".port_value: is required");
        }
        int port = sa.getPortValue();
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException(where + ".port_value: must be in [1, 65535], got " + port);
        }
        String ip = sa.getAddress();
        if (!ip.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException(where + ".address: must be an IP literal, got '" + ip + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(where + ".address: invalid IP '" + ip + "'", e);
        }
    }
}
