package dev.meshbox.controlplane.registry;

import java.util.Locale;

/**
 * A Service port's protocol as Istio selects it ({@code pkg/config/protocol/instance.go} and {@code kube.ConvertProtocol}):
 * {@code appProtocol} when set, else the port name's prefix before the first {@code -}, matched without case. A name
 * Istio does not know is {@link #UNSUPPORTED}, which Istio sniffs; the sidecar's upstream then follows the
 * downstream's HTTP version.
 */
public enum Protocol {
    HTTP("HTTP"),
    HTTP2("HTTP2"),
    GRPC("GRPC"),
    GRPC_WEB("GRPC-Web"),
    HTTP_PROXY("HTTP_PROXY"),
    HTTPS("HTTPS"),
    TCP("TCP"),
    TLS("TLS"),
    MONGO("Mongo"),
    REDIS("Redis"),
    MYSQL("MySQL"),
    UDP("UDP"),
    UNSUPPORTED("UnsupportedProtocol");

    private final String istioName;

    Protocol(String istioName) {
        this.istioName = istioName;
    }

    /** Istio's spelling, as {@code istioctl} and the config dump show it. */
    public String istioName() {
        return istioName;
    }

    /** Istio's {@code IsHTTP2}: the sidecar speaks HTTP/2 to the upstream. */
    public boolean isHttp2() {
        return this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Istio's {@code IsHTTP}: the port gets an HTTP connection manager. */
    public boolean isHttp() {
        return this == HTTP || this == HTTP_PROXY || isHttp2();
    }

    /** Istio's {@code IsTCP}: opaque bytes (TLS is not terminated by a sidecar). */
    public boolean isTcp() {
        return this == TCP || this == HTTPS || this == TLS || this == MONGO || this == REDIS || this == MYSQL;
    }

    /** Istio's {@code protocol.Parse}: a protocol name in any case, or {@link #UNSUPPORTED}. */
    public static Protocol parse(String name) {
        if (name == null) {
            return UNSUPPORTED;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "http" -> HTTP;
            case "http2" -> HTTP2;
            case "grpc" -> GRPC;
            case "grpc-web" -> GRPC_WEB;
            case "http_proxy" -> HTTP_PROXY;
            case "https" -> HTTPS;
            case "tcp" -> TCP;
            case "tls" -> TLS;
            case "mongo" -> MONGO;
            case "redis" -> REDIS;
            case "mysql" -> MYSQL;
            case "udp" -> UDP;
            case "unsupportedprotocol" -> UNSUPPORTED;
            default -> UNSUPPORTED;
        };
    }

    /**
     * Istio's {@code ConvertProtocol} for a Kubernetes Service port.
     *
     * @param portName the port's {@code name}, possibly null
     * @param appProtocol the port's {@code appProtocol}, null when unset; it wins over the name, and Kubernetes'
     *     standard names {@code kubernetes.io/h2c} (HTTP2), {@code kubernetes.io/ws} (HTTP) and {@code
     *     kubernetes.io/wss} (HTTPS) are understood
     * @param l4Protocol the port's {@code protocol} ({@code TCP}, {@code UDP}, {@code SCTP}), possibly null
     */
    public static Protocol ofServicePort(String portName, String appProtocol, String l4Protocol) {
        if ("UDP".equalsIgnoreCase(l4Protocol)) {
            return UDP;
        }
        String name = portName == null ? "" : portName;
        if (appProtocol != null) {
            switch (appProtocol) {
                case "kubernetes.io/h2c":
                    return HTTP2;
                case "kubernetes.io/ws":
                    return HTTP;
                case "kubernetes.io/wss":
                    return HTTPS;
                default:
                    name = appProtocol;
            }
        }
        // "grpc-web" holds the separator, so it is checked before the prefix is cut
        if (name.toLowerCase(Locale.ROOT).startsWith("grpc-web")) {
            return GRPC_WEB;
        }
        int dash = name.indexOf('-');
        return parse(dash >= 0 ? name.substring(0, dash) : name);
    }
}
