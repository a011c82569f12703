package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import java.util.Set;

/**
 * One kind of HTTP filter the proxy knows, as the xDS layer sees it: the config types it takes and how they become
 * MeshBox's own {@link FilterConfig} records. The filter's behaviour lives in {@code dev.meshbox.proxy.filter}, which
 * finds it by {@link #typeUrl()}. Parse methods throw IllegalArgumentException naming the field, which becomes a NACK.
 */
public interface HttpFilterType {

    /** The type of the config in an HTTP connection manager's {@code http_filters} entry. */
    String typeUrl();

    /** Types this filter accepts in {@code typed_per_filter_config}; none by default. */
    default Set<String> overrideTypeUrls() {
        return Set.of();
    }

    /** Envoy's terminal filter (the router) must be last in a chain, and only it may be. */
    default boolean terminal() {
        return false;
    }

    FilterConfig parse(TypedConfig config, String where);

    /** A per-route config; only called with one of {@link #overrideTypeUrls()}. */
    default FilterConfig parseOverride(TypedConfig config, String where) {
        throw new IllegalArgumentException(where + ": " + typeUrl() + " takes no per-route config");
    }

    static String typeUrlOf(com.google.protobuf.Message prototype) {
        return "type.googleapis.com/" + prototype.getDescriptorForType().getFullName();
    }
}
