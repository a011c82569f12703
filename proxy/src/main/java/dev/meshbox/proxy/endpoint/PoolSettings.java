package dev.meshbox.proxy.endpoint;

import java.time.Duration;
import java.util.Objects;

/**
 * What a host's pools need from their cluster: the shared circuit breakers and the per-connection options.
 *
 * @param maxRequestsPerConnection 0 means unlimited
 * @param idleTimeout              zero means idle connections stay open
 */
public record PoolSettings(
        ResourceLimits limits, Duration connectTimeout, int maxRequestsPerConnection, Duration idleTimeout) {

    public PoolSettings {
        Objects.requireNonNull(limits, "limits");
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        idleTimeout = idleTimeout == null ? Duration.ZERO : idleTimeout;
    }

    public static PoolSettings defaults() {
        return new PoolSettings(ResourceLimits.envoyDefaults(), Duration.ofSeconds(10), 0, Duration.ofHours(1));
    }
}
