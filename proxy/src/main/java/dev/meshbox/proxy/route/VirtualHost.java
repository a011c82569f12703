package dev.meshbox.proxy.route;

import java.util.List;

/**
 * A virtual host: domains and routes in order. Host-level retry and fault settings are folded into each
 * route when the configuration is compiled, so matching only looks at routes.
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes) {

    public VirtualHost {
        domains = List.copyOf(domains);
        routes = List.copyOf(routes);
    }

    public static VirtualHost of(String name, List<String> domains, Route... routes) {
        return new VirtualHost(name, domains, List.of(routes));
    }
}
