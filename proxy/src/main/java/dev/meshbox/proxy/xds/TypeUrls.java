package dev.meshbox.proxy.xds;

import java.util.List;

/** The xDS v3 type URLs MeshBox subscribes to over ADS, in the order Envoy requests them. */
public final class TypeUrls {
    public static final String PREFIX = "type.googleapis.com/";
    public static final String CLUSTER = PREFIX + "envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = PREFIX + "envoy.config.listener.v3.Listener";
    public static final String ROUTE = PREFIX + "envoy.config.route.v3.RouteConfiguration";
    public static final String SECRET = PREFIX + "envoy.extensions.transport_sockets.tls.v3.Secret";
    public static final List<String> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET);

    private TypeUrls() {}

    /** LDS and CDS are wildcard subscriptions; RDS, EDS and SDS name their resources. */
    public static boolean isWildcard(String typeUrl) {
        return CLUSTER.equals(typeUrl) || LISTENER.equals(typeUrl);
    }

    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            case SECRET -> "SDS";
            default -> typeUrl;
        };
    }
}
