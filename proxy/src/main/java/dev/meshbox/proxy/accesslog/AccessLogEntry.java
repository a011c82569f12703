package dev.meshbox.proxy.accesslog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One request as Istio's default access log sees it. Strings are null when Envoy would print {@code -}.
 * {@code seq} is assigned by the {@link AccessLog} that keeps the entry.
 */
public record AccessLogEntry(
        long seq,
        Instant startTime,
        String method,
        String path,
        String protocol,
        int responseCode,
        String responseFlags,
        String responseCodeDetails,
        String connectionTerminationDetails,
        String upstreamTransportFailureReason,
        long bytesReceived,
        long bytesSent,
        long durationMs,
        String upstreamServiceTime,
        String xForwardedFor,
        String userAgent,
        String requestId,
        String authority,
        String upstreamHost,
        String upstreamCluster,
        String upstreamLocalAddress,
        String downstreamLocalAddress,
        String downstreamRemoteAddress,
        String requestedServerName,
        String routeName,
        String direction,
        String listener) {

    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    public AccessLogEntry withSeq(long newSeq) {
        return new AccessLogEntry(
                newSeq,
                startTime,
                method,
                path,
                protocol,
                responseCode,
                responseFlags,
                responseCodeDetails,
                connectionTerminationDetails,
                upstreamTransportFailureReason,
                bytesReceived,
                bytesSent,
                durationMs,
                upstreamServiceTime,
                xForwardedFor,
                userAgent,
                requestId,
                authority,
                upstreamHost,
                upstreamCluster,
                upstreamLocalAddress,
                downstreamLocalAddress,
                downstreamRemoteAddress,
                requestedServerName,
                routeName,
                direction,
                listener);
    }

    /** The line in Istio's default text format. */
    public String format() {
        return "[" + START_TIME.format(startTime) + "] \"" + dash(method) + " " + dash(path) + " " + dash(protocol)
                + "\" " + responseCode + " " + dash(responseFlags) + " " + dash(responseCodeDetails) + " "
                + dash(connectionTerminationDetails) + " \"" + dash(upstreamTransportFailureReason) + "\" "
                + bytesReceived + " " + bytesSent + " " + durationMs + " " + dash(upstreamServiceTime) + " \""
                + dash(xForwardedFor) + "\" \"" + dash(userAgent) + "\" \"" + dash(requestId) + "\" \""
                + dash(authority)
                + "\" \"" + dash(upstreamHost) + "\" " + dash(upstreamCluster) + " " + dash(upstreamLocalAddress) + " "
                + dash(downstreamLocalAddress) + " " + dash(downstreamRemoteAddress) + " " + dash(requestedServerName)
                + " " + dash(routeName);
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
