package dev.meshbox.proxy.http;

import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.tls.ConnectionSecurity;
import java.time.Instant;

/**
 * What is known of a request when it arrives, fixed for its whole life: when, what the client asked for, its ids and
 * addresses, and the listener and connection manager that took it. Strings are null where Envoy's access log prints
 * {@code -}.
 *
 * @param startNanos the ticker's reading at arrival, for durations
 * @param requestKey the request id's hash, from which per-request random decisions derive
 * @param path the path as the client sent it (before any rewrite)
 * @param requestHeaderBytes the request line and headers' size on the wire, for Istio's request size metric
 * @param connection the downstream connection's security: whether it was mutual TLS and the peer's identity
 *     ({@code connection().peerPrincipal()} is Istio's {@code source.principal} with {@code spiffe://}); what
 *     authorization, XFCC, metrics and the access log read
 */
public record RequestFacts(
        Instant startTime,
        long startNanos,
        String requestId,
        long requestKey,
        String method,
        String path,
        String protocol,
        String authority,
        String userAgent,
        String forwardedFor,
        long bytesReceived,
        long requestHeaderBytes,
        String downstreamLocal,
        String downstreamRemote,
        String listener,
        ListenerSpec.Direction direction,
        String statPrefix,
        ConnectionSecurity connection) {

    public RequestFacts {
        connection = connection == null ? ConnectionSecurity.PLAINTEXT : connection;
    }

    public boolean inbound() {
        return direction == ListenerSpec.Direction.INBOUND;
    }

    /** The direction as Envoy's access log and MeshBox's tools print it. */
    public String directionText() {
        return direction == null ? null : inbound() ? "inbound" : "outbound";
    }
}
