package dev.meshbox.controlplane.registry;

/** A Kubernetes Service port: the port clients use and the pod port it forwards to. */
public record ServicePort(String name, int port, int targetPort, String protocol) {
    public ServicePort {
        if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("service port out of range: " + port + " -> " + targetPort);
        }
    }

    public static ServicePort http(int port) {
        return new ServicePort("http", port, port, "HTTP");
    }
}
