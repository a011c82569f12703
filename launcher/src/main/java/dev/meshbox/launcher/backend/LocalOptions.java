package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.security.SecurityOptions;
import java.net.InetSocketAddress;
import java.util.OptionalLong;

/**
 * How a local mesh binds. {@link #standard} is what {@code ./meshbox up} uses (xDS on 127.0.0.1:15010, the ingress
 * on 127.0.0.1:8080); {@link #isolated} lets many meshes share a machine or a JVM (an ephemeral xDS port, the
 * ingress on the mesh's own loopback block).
 *
 * @param xdsBind          where the ADS server listens
 * @param gatewayOnLocalhost where the ingress gateway pod lives: {@code LOCALHOST} is 127.0.0.1, {@code SUBNET}
 *                         its own address in the mesh's block
 * @param seed             makes every random choice of the proxies reproducible when present
 * @param security         the control plane's CA and mutual TLS settings
 */
public record LocalOptions(
        InetSocketAddress xdsBind, GatewayAddress gatewayOnLocalhost, OptionalLong seed, SecurityOptions security) {

    public LocalOptions(InetSocketAddress xdsBind, GatewayAddress gatewayOnLocalhost, OptionalLong seed) {
        this(xdsBind, gatewayOnLocalhost, seed, SecurityOptions.DEFAULTS);
    }

    public LocalOptions withSecurity(SecurityOptions value) {
        return new LocalOptions(xdsBind, gatewayOnLocalhost, seed, value);
    }

    public enum GatewayAddress {
        LOCALHOST,
        SUBNET
    }

    public static LocalOptions standard(OptionalLong seed) {
        return new LocalOptions(new InetSocketAddress("127.0.0.1", 15010), GatewayAddress.LOCALHOST, seed);
    }

    public static LocalOptions isolated(OptionalLong seed) {
        return new LocalOptions(new InetSocketAddress("127.0.0.1", 0), GatewayAddress.SUBNET, seed);
    }
}
