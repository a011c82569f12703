package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * networking.istio.io Sidecar, validated: what one workload's proxy sees and accepts. Its egress listeners' hosts
 * ({@code ns/dnsName}) limit the services the proxy is told about, its ingress listeners say which pod ports the
 * proxy accepts and where it forwards them, and its {@code outboundTrafficPolicy} overrides the mesh's for the
 * workloads it applies to. Without a {@code workloadSelector} it is its namespace's default (the root namespace's:
 * the mesh's).
 *
 * @param selector {@code workloadSelector.labels}; empty for the namespace default
 * @param outboundTrafficPolicy the mode the mesh config's gives way to, when set
 */
public record Sidecar(
        ResourceMeta meta,
        String yaml,
        Map<String, String> selector,
        List<Egress> egress,
        List<Ingress> ingress,
        Optional<OutboundTrafficPolicy> outboundTrafficPolicy)
        implements IstioResource {

    public Sidecar {
        selector = Map.copyOf(selector);
        egress = List.copyOf(egress);
        ingress = List.copyOf(ingress);
    }

    /**
     * One egress listener.
     *
     * @param port the service port it is for; 0 for every port (the catch-all listener)
     * @param hosts {@code ns/dnsName} entries as written; a {@code ~} prefix excludes
     */
    public record Egress(int port, List<String> hosts) {
        public Egress {
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * One ingress listener: the proxy accepts {@code port} and hands its requests to the app at
     * {@code defaultEndpoint} ({@code 127.0.0.1:8080}, {@code 0.0.0.0:8080} or {@code :8080}).
     *
     * @param protocol the port's protocol as written (HTTP, HTTP2, GRPC, TCP, ...)
     * @param defaultEndpoint empty when unset: the proxy forwards to the same port
     */
    public record Ingress(int port, String protocol, String name, String defaultEndpoint) {

        /** The app port the listener forwards to: the defaultEndpoint's port, else the listener's. */
        public int targetPort() {
            if (defaultEndpoint.isEmpty()) {
                return port;
            }
            return Integer.parseInt(defaultEndpoint.substring(defaultEndpoint.lastIndexOf(':') + 1));
        }
    }
}
