package dev.meshbox.proxy.rbac;

import dev.meshbox.proxy.route.RequestView;
import java.net.InetAddress;
import java.util.List;

/**
 * What an RBAC decision looks at: the request as it arrived, the connection's addresses, the peer's identity and the
 * dynamic metadata other filters left (the JWT filter's payload).
 *
 * @param peerPrincipal the peer certificate's URI SAN ({@code spiffe://...}); null on a plaintext connection
 * @param requestedServerName the TLS SNI; null on a plaintext connection
 * @param metadata looks a value up by filter name and key path; null when absent
 */
public record RbacRequest(
        RequestView view,
        InetAddress directRemoteIp,
        InetAddress remoteIp,
        InetAddress destinationIp,
        int destinationPort,
        String peerPrincipal,
        String requestedServerName,
        Metadata metadata) {

    /** Dynamic metadata, as Envoy's {@code Struct}s by filter name. */
    @FunctionalInterface
    public interface Metadata {
        Metadata NONE = (filter, path) -> null;

        /** The value at {@code path} under {@code filter}: a String, Number, Boolean, List or Map, or null. */
        Object value(String filter, List<String> path);
    }

    /** The request's path without the query string, as Envoy's {@code url_path} matches it. */
    public String urlPath() {
        String path = view.path();
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}
