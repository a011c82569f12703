package dev.meshbox.controlplane.registry;

import java.io.IOException;

/**
 * A platform's services and pods, kept in a {@link ServiceRegistry} as Istio's platform registries feed istiod: an
 * adapter reads the platform once, then follows it until closed. Implementations sit in this package's subpackages,
 * one per platform.
 */
public interface PlatformRegistry extends AutoCloseable {

    /**
     * Puts the platform's current services and pods into the registry, then keeps following changes; returns once
     * the first full view is in, so a broken platform fails the start.
     */
    PlatformRegistry start() throws IOException;

    /** Stops following the platform; what is in the registry stays. */
    @Override
    void close();
}
