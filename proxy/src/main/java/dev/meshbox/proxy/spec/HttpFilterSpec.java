package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import java.util.Objects;

/**
 * One entry of an HTTP connection manager's {@code http_filters}: its name (the key routes use in
 * {@code typed_per_filter_config}), the type it was configured with, its config, and whether it is off unless a
 * route turns it on ({@code disabled}).
 */
public record HttpFilterSpec(String name, String typeUrl, FilterConfig config, boolean disabled) {

    public HttpFilterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(typeUrl, "typeUrl");
        Objects.requireNonNull(config, "config");
    }
}
