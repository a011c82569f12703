package dev.meshbox.proxy.accesslog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One request as Istio's default access log sees it. Strings are null when Envoy would print {@code -}.
 * {@code seq} is assigned by the {@link AccessLog} that keeps the entry. {@code downstreamPeerUriSan} is not in the
 * default text line (as in Istio's format) but is kept for queries and the JSON form. Build one with {@link #builder()}.
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
        String listener,
        String downstreamPeerUriSan,
        String grpcStatus) {

    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final String[] GRPC_CODES = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED"
    };

    /** A {@code grpc-status} number as Envoy's {@code %GRPC_STATUS(SNAKE_STRING)%}; the number itself when unknown. */
    public static String grpcStatusName(String number) {
        if (number == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(number.trim());
            return n >= 0 && n < GRPC_CODES.length ? GRPC_CODES[n] : number;
        } catch (NumberFormatException e) {
            return number;
        }
    }

    /** An entry built field by field: {@code AccessLogEntry.builder().method("GET").path("/")...build()}. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .seq(seq)
                .startTime(startTime)
                .method(method)
                .path(path)
                .protocol(protocol)
                .responseCode(responseCode)
                .responseFlags(responseFlags)
                .responseCodeDetails(responseCodeDetails)
                .connectionTerminationDetails(connectionTerminationDetails)
                .upstreamTransportFailureReason(upstreamTransportFailureReason)
                .bytesReceived(bytesReceived)
                .bytesSent(bytesSent)
                .durationMs(durationMs)
                .upstreamServiceTime(upstreamServiceTime)
                .xForwardedFor(xForwardedFor)
                .userAgent(userAgent)
                .requestId(requestId)
                .authority(authority)
                .upstreamHost(upstreamHost)
                .upstreamCluster(upstreamCluster)
                .upstreamLocalAddress(upstreamLocalAddress)
                .downstreamLocalAddress(downstreamLocalAddress)
                .downstreamRemoteAddress(downstreamRemoteAddress)
                .requestedServerName(requestedServerName)
                .routeName(routeName)
                .direction(direction)
                .listener(listener)
                .downstreamPeerUriSan(downstreamPeerUriSan)
                .grpcStatus(grpcStatus);
    }

    public AccessLogEntry withSeq(long newSeq) {
        return toBuilder().seq(newSeq).build();
    }

    /** Fields left unset are null (printed as {@code -}) or zero. */
    public static final class Builder {
        private long seq;
        private Instant startTime;
        private String method;
        private String path;
        private String protocol;
        private int responseCode;
        private String responseFlags;
        private String responseCodeDetails;
        private String connectionTerminationDetails;
        private String upstreamTransportFailureReason;
        private long bytesReceived;
        private long bytesSent;
        private long durationMs;
        private String upstreamServiceTime;
        private String xForwardedFor;
        private String userAgent;
        private String requestId;
        private String authority;
        private String upstreamHost;
        private String upstreamCluster;
        private String upstreamLocalAddress;
        private String downstreamLocalAddress;
        private String downstreamRemoteAddress;
        private String requestedServerName;
        private String routeName;
        private String downstreamPeerUriSan;
        private String grpcStatus;
        private String direction;
        private String listener;

        private Builder() {}

        public Builder seq(long value) {
            this.seq = value;
            return this;
        }

        public Builder startTime(Instant value) {
            this.startTime = value;
            return this;
        }

        public Builder method(String value) {
            this.method = value;
            return this;
        }

        public Builder path(String value) {
            this.path = value;
            return this;
        }

        public Builder protocol(String value) {
            this.protocol = value;
            return this;
        }

        public Builder responseCode(int value) {
            this.responseCode = value;
            return this;
        }

        public Builder responseFlags(String value) {
            this.responseFlags = value;
            return this;
        }

        public Builder responseCodeDetails(String value) {
            this.responseCodeDetails = value;
            return this;
        }

        public Builder connectionTerminationDetails(String value) {
            this.connectionTerminationDetails = value;
            return this;
        }

        public Builder upstreamTransportFailureReason(String value) {
            this.upstreamTransportFailureReason = value;
            return this;
        }

        public Builder bytesReceived(long value) {
            this.bytesReceived = value;
            return this;
        }

        public Builder bytesSent(long value) {
            this.bytesSent = value;
            return this;
        }

        public Builder durationMs(long value) {
            this.durationMs = value;
            return this;
        }

        public Builder upstreamServiceTime(String value) {
            this.upstreamServiceTime = value;
            return this;
        }

        public Builder xForwardedFor(String value) {
            this.xForwardedFor = value;
            return this;
        }

        public Builder userAgent(String value) {
            this.userAgent = value;
            return this;
        }

        public Builder requestId(String value) {
            this.requestId = value;
            return this;
        }

        public Builder authority(String value) {
            this.authority = value;
            return this;
        }

        public Builder upstreamHost(String value) {
            this.upstreamHost = value;
            return this;
        }

        public Builder upstreamCluster(String value) {
            this.upstreamCluster = value;
            return this;
        }

        public Builder upstreamLocalAddress(String value) {
            this.upstreamLocalAddress = value;
            return this;
        }

        public Builder downstreamLocalAddress(String value) {
            this.downstreamLocalAddress = value;
            return this;
        }

        public Builder downstreamRemoteAddress(String value) {
            this.downstreamRemoteAddress = value;
            return this;
        }

        public Builder requestedServerName(String value) {
            this.requestedServerName = value;
            return this;
        }

        public Builder routeName(String value) {
            this.routeName = value;
            return this;
        }

        public Builder direction(String value) {
            this.direction = value;
            return this;
        }

        public Builder listener(String value) {
            this.listener = value;
            return this;
        }

        /** Envoy's {@code %DOWNSTREAM_PEER_URI_SAN%}: the mTLS peer's SPIFFE identity on inbound requests. */
        /** The answer's {@code grpc-status} number, null when it had none (not a gRPC answer). */
        public Builder grpcStatus(String value) {
            this.grpcStatus = value;
            return this;
        }

        public Builder downstreamPeerUriSan(String value) {
            this.downstreamPeerUriSan = value;
            return this;
        }

        public AccessLogEntry build() {
            return new AccessLogEntry(
                    seq,
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
                    listener,
                    downstreamPeerUriSan,
                    grpcStatus);
        }
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
