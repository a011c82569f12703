package dev.meshbox.proxy.http;

import dev.meshbox.proxy.endpoint.Host;
import java.util.EnumSet;

/**
 * What became of a request: its response flags and details, the upstream host of its last attempt, and the response
 * written. Filled in by the filters and the connection manager as the request goes; confined to its event loop.
 */
public final class Outcome {

    private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
    private String details;
    private String transportFailure;
    private Host upstream;
    private String upstreamLocalAddress;
    private String upstreamServiceTime;
    private int responseCode;
    private long bytesSent;
    private long durationMs;
    private boolean grpc;
    private String grpcStatus;

    public void addFlag(ResponseFlag flag) {
        flags.add(flag);
    }

    public EnumSet<ResponseFlag> flags() {
        return flags;
    }

    public String flagsText() {
        return ResponseFlag.format(flags);
    }

    /** Envoy's {@code %RESPONSE_CODE_DETAILS%}; {@code via_upstream} when the upstream answered. */
    public String details() {
        return details;
    }

    public void details(String value) {
        this.details = value;
    }

    public String transportFailure() {
        return transportFailure;
    }

    public void transportFailure(String value) {
        this.transportFailure = value;
    }

    /** The host of the last attempt, or null when none was picked. */
    public Host upstream() {
        return upstream;
    }

    public void upstream(Host host) {
        this.upstream = host;
    }

    public String upstreamHost() {
        return upstream == null ? null : upstream.hostPort();
    }

    public String upstreamLocalAddress() {
        return upstreamLocalAddress;
    }

    public void upstreamLocalAddress(String value) {
        this.upstreamLocalAddress = value;
    }

    public String upstreamServiceTime() {
        return upstreamServiceTime;
    }

    public void upstreamServiceTime(String value) {
        this.upstreamServiceTime = value;
    }

    public int responseCode() {
        return responseCode;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long durationMs() {
        return durationMs;
    }

    /** A streamed response's body went out in one more piece. */
    void sentMore(long bytes) {
        this.bytesSent += bytes;
    }

    void responded(int code, long bytes) {
        this.responseCode = code;
        this.bytesSent = bytes;
    }

    /** Whether the request was gRPC ({@code content-type: application/grpc...}): Istio's {@code request_protocol}. */
    public boolean grpc() {
        return grpc;
    }

    /**
     * The answer's {@code grpc-status} (from its headers, or its trailers), as a number; null when it has none. Envoy's
     * {@code %GRPC_STATUS%} and Istio's {@code grpc_response_status}.
     */
    public String grpcStatus() {
        return grpcStatus;
    }

    void grpc(boolean request, String status) {
        this.grpc = request;
        this.grpcStatus = status;
    }

    void ended(long millis) {
        this.durationMs = millis;
    }
}
