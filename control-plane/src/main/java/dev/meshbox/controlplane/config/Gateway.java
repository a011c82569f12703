package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;

/** networking.istio.io Gateway, validated: which gateway pods listen on which ports for which hosts. */
public record Gateway(ResourceMeta meta, String yaml, Map<String, String> selector, List<Server> servers)
        implements IstioResource {

    /** @param tls the server's {@code tls} block; {@link ServerTls#NONE} when it has none */
    public record Server(int port, String portName, String protocol, List<String> hosts, ServerTls tls) {

        public Server {
            tls = tls == null ? ServerTls.NONE : tls;
        }

        /** A server without a {@code tls} block. */
        public Server(int port, String portName, String protocol, List<String> hosts) {
            this(port, portName, protocol, hosts, ServerTls.NONE);
        }

        /** Whether the gateway terminates TLS on this server ({@code SIMPLE} or {@code MUTUAL}). */
        public boolean terminatesTls() {
            return tls.mode().equals(ServerTls.SIMPLE) || tls.mode().equals(ServerTls.MUTUAL);
        }
    }

    /**
     * A server's {@code tls}: the mode ({@code SIMPLE}, {@code MUTUAL}, {@code PASSTHROUGH}, ...; empty without one),
     * where the certificate comes from ({@code credentialName}, a Secret in the gateway pod's namespace, or the file
     * paths), and {@code httpsRedirect} on an HTTP server.
     */
    public record ServerTls(
            String mode,
            String credentialName,
            String serverCertificate,
            String privateKey,
            String caCertificates,
            boolean httpsRedirect) {

        public static final String SIMPLE = "SIMPLE";
        public static final String MUTUAL = "MUTUAL";
        public static final ServerTls NONE = new ServerTls("", "", "", "", "", false);
    }
}
