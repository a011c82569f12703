package dev.meshbox.proxy.route;

/**
 * What an HTTP filter was configured with, in MeshBox's own terms: the config of an HTTP connection manager's
 * {@code http_filters} entry, or a per-route override from {@code typed_per_filter_config}. Each filter defines its
 * own record; the routing model only carries them, keyed by the filter's name, to the filter that reads them.
 */
public interface FilterConfig {

    /** A per-route entry that turns the filter off for that route ({@code FilterConfig.disabled} in Envoy). */
    FilterConfig DISABLED = new Disabled();

    /**
     * This config as a route sees it when a less specific level (its virtual host, its route configuration) also
     * configures the filter: by default the most specific config replaces the others whole.
     */
    default FilterConfig mergedOver(FilterConfig lessSpecific) {
        return this;
    }

    /** See {@link #DISABLED}. */
    record Disabled() implements FilterConfig {}
}
