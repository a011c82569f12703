package dev.meshbox.controlplane.translate;

/** Istio's names for Envoy resources, so config dumps read the same as an Istio sidecar's. */
public final class Names {
    public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
    public static final String VIRTUAL_INBOUND = "virtualInbound";
    public static final String BLACKHOLE = "BlackHoleCluster";
    public static final String PASSTHROUGH = "PassthroughCluster";
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PORT = 15006;
    public static final String HCM = "envoy.filters.network.http_connection_manager";
    public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
    public static final String FAULT = "envoy.filters.http.fault";
    public static final String ROUTER = "envoy.filters.http.router";

    private Names() {}

    /** {@code outbound|9080|v1|reviews.default.svc.cluster.local}; an empty subset gives {@code outbound|9080||...}. */
    public static String outboundCluster(int port, String subset, String fqdn) {
        return "outbound|" + port + "|" + subset + "|" + fqdn;
    }

    /** Istio's SNI for in-mesh TLS to a cluster: {@code outbound_.9080_.v1_.reviews.default.svc.cluster.local}. */
    public static String outboundSni(int port, String subset, String fqdn) {
        return "outbound_." + port + "_." + subset + "_." + fqdn;
    }

    public static String inboundCluster(int port) {
        return "inbound|" + port + "||";
    }

    /** The sidecar's virtual listener for a destination port, e.g. {@code 0.0.0.0_9080}. */
    public static String outboundListener(int port) {
        return "0.0.0.0_" + port;
    }

    /**
     * The names a sidecar's virtual host for a service answers to, as Istio's: the FQDN, {@code name.ns} and
     * {@code name.ns.svc}, and the short name only for a service of the proxy's own namespace (Kubernetes resolves a
     * short name in the caller's namespace; two namespaces' {@code cart} would otherwise claim the same domain). A
     * ServiceEntry host's is the host itself ({@code httpbin.org}, {@code *.example.com}).
     */
    public static java.util.List<String> sidecarDomains(
            dev.meshbox.controlplane.registry.MeshService s, String proxyNamespace) {
        if (s.fromServiceEntry()) {
            return java.util.List.of(s.host()); // a ServiceEntry host answers to itself only
        }
        String ns = s.name() + "." + s.namespace();
        return s.namespace().equals(proxyNamespace)
                ? java.util.List.of(s.fqdn(), s.name(), ns, ns + ".svc")
                : java.util.List.of(s.fqdn(), ns, ns + ".svc");
    }

    /** Route configuration names: {@code "9080"} on sidecars, {@code "http.8080"} on gateways. */
    public static String sidecarRoute(int port) {
        return Integer.toString(port);
    }

    /** The port the ingress gateway pod listens on for a Gateway server port: its Service maps 80 to 8080, 443 to 8443. */
    public static int gatewayListenerPort(int serverPort) {
        return switch (serverPort) {
            case 80 -> 8080;
            case 443 -> 8443;
            default -> serverPort;
        };
    }

    public static String gatewayRoute(int port) {
        return "http." + port;
    }
}
