package dev.meshbox.proxy.route;

import java.util.Map;
import java.util.Objects;

/**
 * One route: a match, an action, its header mutations, the per-filter configs that apply to it (the route's own
 * {@code typed_per_filter_config} over its virtual host's and its route configuration's, keyed by filter name), and
 * its {@code decorator.operation}, the name of its spans (empty when it has none).
 */
public record Route(
        String name,
        RouteMatch match,
        RouteAction action,
        HeaderMutations headers,
        Map<String, FilterConfig> filterConfigs,
        String decorator) {

    public Route(
            String name,
            RouteMatch match,
            RouteAction action,
            HeaderMutations headers,
            Map<String, FilterConfig> filterConfigs) {
        this(name, match, action, headers, filterConfigs, "");
    }

    public Route {
        decorator = decorator == null ? "" : decorator;
        name = name == null ? "" : name;
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
        headers = headers == null ? HeaderMutations.NONE : headers;
        filterConfigs = filterConfigs == null ? Map.of() : Map.copyOf(filterConfigs);
    }

    public static Route of(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, HeaderMutations.NONE, Map.of());
    }

    /** The config filter {@code filterName} has for this route, or null when the route leaves it at its default. */
    public FilterConfig filterConfig(String filterName) {
        return filterConfigs.get(filterName);
    }

    public Route withFilterConfig(String filterName, FilterConfig config) {
        Map<String, FilterConfig> configs = new java.util.HashMap<>(filterConfigs);
        configs.put(filterName, config);
        return new Route(name, match, action, headers, configs, decorator);
    }
}
