package dev.meshbox.proxy.forward;

import dev.meshbox.proxy.accesslog.AccessLogEntry;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

/** What one request collects for its access log entry; confined to the request's event loop. */
final class RequestLog {
    final Instant startTime;
    final long startNanos;
    String method;
    String path;
    String protocol = "HTTP/1.1";
    int responseCode;
    final EnumSet<ResponseFlags> flags = EnumSet.noneOf(ResponseFlags.class);
    String details;
    String transportFailure;
    long bytesReceived;
    long bytesSent;
    String upstreamServiceTime;
    String xForwardedFor;
    String userAgent;
    String requestId;
    String authority;
    String upstreamHost;
    String upstreamCluster;
    String upstreamLocalAddress;
    String downstreamLocal;
    String downstreamRemote;
    String routeName;
    String direction;
    String listener;
    String statPrefix;
    /** The request id's hash, for per-request random decisions. */
    long requestKey;
    /** The host of the last attempt, for destination metric labels. */
    dev.meshbox.proxy.endpoint.Host upstream;
    /** The peer a sidecar learned from metadata-exchange headers (the caller inbound, the callee outbound). */
    dev.meshbox.proxy.stats.Workload peer;
    /** A Set-Cookie value a cookie hash policy generated, added to the upstream response. */
    String setCookie;
    /** The header mutations (both directions) of the chosen weighted cluster and route, applied in this order. */
    List<dev.meshbox.proxy.route.HeaderMutations> headerMutations = List.of();

    long requestHeaderBytes;

    RequestLog(Instant startTime, long startNanos) {
        this.startTime = startTime;
        this.startNanos = startNanos;
    }

    long durationMs(long endNanos) {
        return Math.max(0, (endNanos - startNanos) / 1_000_000);
    }

    AccessLogEntry toEntry(long endNanos) {
        long durationMs = durationMs(endNanos);
        return new AccessLogEntry(
                0,
                startTime,
                method,
                path,
                protocol,
                responseCode,
                ResponseFlags.format(flags),
                details,
                null,
                transportFailure,
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
                downstreamLocal,
                downstreamRemote,
                null,
                routeName,
                direction,
                listener);
    }
}
