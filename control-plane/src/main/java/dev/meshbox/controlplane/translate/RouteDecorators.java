package dev.meshbox.controlplane.translate;

import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;

/**
 * A route's {@code decorator.operation}, the name of the spans it makes, as Istio writes it
 * ({@code route.GetRouteOperation} in {@code pilot/pkg/networking/core/route/route.go}, {@code telemetry.TraceOperation}):
 * {@code <host>:<port><path>} for a route to one cluster (its host and port read from the {@code outbound|...} name),
 * {@code <virtual service name>:<port><path>} for weighted destinations, where {@code <path>} is {@code /*} for any
 * path, {@code <prefix>*}, the exact path or the regex.
 */
final class RouteDecorators {

    private RouteDecorators() {}

    /** {@code route} with its decorator; a direct response or redirect keeps none, as Istio's. */
    static Route decorate(Route route, String vsName, int port) {
        String operation = operation(route, vsName, port);
        return operation.isEmpty()
                ? route
                : route.toBuilder()
                        .setDecorator(Decorator.newBuilder().setOperation(operation))
                        .build();
    }

    static String operation(Route route, String vsName, int port) {
        if (!route.hasRoute()) {
            return "";
        }
        String path = path(route.getMatch());
        String cluster = route.getRoute().getCluster();
        String[] parts = cluster.split("\\|", -1);
        if (parts.length == 4 && parts[0].equals("outbound")) {
            return parts[3] + ":" + parts[1] + path;
        }
        return vsName + ":" + port + path;
    }

    /** Istio's inbound operation: {@code <service fqdn>:<service port>/*}. */
    static String inbound(String fqdn, int port) {
        return fqdn + ":" + port + "/*";
    }

    private static String path(RouteMatch m) {
        return switch (m.getPathSpecifierCase()) {
            case PREFIX -> m.getPrefix() + "*";
            case PATH -> m.getPath();
            case SAFE_REGEX -> m.getSafeRegex().getRegex();
            case PATH_SEPARATED_PREFIX -> m.getPathSeparatedPrefix() + "*";
            default -> "/*";
        };
    }
}
