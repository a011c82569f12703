package dev.meshbox.controlplane.registry;

/**
 * A Kubernetes Service port: the port clients use, the pod port it forwards to, and its protocol as Istio selects it
 * ({@link Protocol#ofServicePort}), in Istio's spelling ({@code HTTP}, {@code GRPC}, {@code UnsupportedProtocol}).
 */
public record ServicePort(String name, int port, int targetPort, String protocol) {
    public ServicePort {
        if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("service port out of range: " + port + " -> " + targetPort);
        }
    }

    public static ServicePort http(int port) {
        return new ServicePort("http", port, port, "HTTP");
    }

    /** A port whose protocol comes from its name and {@code appProtocol} (null when unset), as Istio's. */
    public static ServicePort of(String name, int port, int targetPort, String appProtocol) {
        return new ServicePort(
                name,
                port,
                targetPort,
                Protocol.ofServicePort(name, appProtocol, "TCP").istioName());
    }

    /** The protocol as an enum; an unknown spelling is {@link Protocol#UNSUPPORTED}. */
    public Protocol selectedProtocol() {
        return Protocol.parse(protocol);
    }
}
