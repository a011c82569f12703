package dev.meshbox.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the proxy makes itself, with Envoy's bodies and details. */
public record LocalReply(int status, String body, ResponseFlag flag, String details) {

    static final String UPSTREAM_CONNECT_FAILURE =
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    static final String UPSTREAM_RESET =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";

    static final String UPSTREAM_OVERFLOW =
            "upstream connect error or disconnect/reset before headers. reset reason: overflow";

    /** A circuit breaker was full: the request never went upstream. */
    public static LocalReply overflow() {
        return new LocalReply(
                503, UPSTREAM_OVERFLOW, ResponseFlag.UO, "upstream_reset_before_response_started{overflow}");
    }

    public static LocalReply noRoute() {
        return new LocalReply(404, "", ResponseFlag.NR, "route_not_found");
    }

    public static LocalReply clusterNotFound() {
        return clusterNotFound(503);
    }

    /** A route's cluster does not exist; {@code status} is the route's cluster_not_found_response_code. */
    public static LocalReply clusterNotFound(int status) {
        return new LocalReply(status, "", ResponseFlag.NC, "cluster_not_found");
    }

    public static LocalReply noHealthyUpstream() {
        return new LocalReply(503, "no healthy upstream", ResponseFlag.UH, "no_healthy_upstream");
    }

    public static LocalReply connectFailure() {
        return new LocalReply(
                503,
                UPSTREAM_CONNECT_FAILURE,
                ResponseFlag.UF,
                "upstream_reset_before_response_started{connection_failure}");
    }

    /** A connect failure with Envoy's transport failure reason, e.g. a TLS handshake the upstream refused. */
    public static LocalReply connectFailure(String transportFailureReason) {
        return new LocalReply(
                503,
                UPSTREAM_CONNECT_FAILURE + ", transport failure reason: " + transportFailureReason,
                ResponseFlag.UF,
                "upstream_reset_before_response_started{connection_failure," + transportFailureReason.replace(' ', '_')
                        + "}");
    }

    public static LocalReply reset() {
        return new LocalReply(
                503, UPSTREAM_RESET, ResponseFlag.UC, "upstream_reset_before_response_started{connection_termination}");
    }

    public static LocalReply timeout(String details) {
        return new LocalReply(504, "upstream request timeout", ResponseFlag.UT, details);
    }

    public static LocalReply faultAbort(int status) {
        return new LocalReply(status, "fault filter abort", ResponseFlag.FI, "fault_filter_abort");
    }

    public static LocalReply direct(int status, String body) {
        return new LocalReply(status, body, null, "direct_response");
    }

    public FullHttpResponse toResponse(ByteBufAllocator alloc) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                alloc.buffer(bytes.length).writeBytes(bytes));
        if (bytes.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        }
        return response;
    }
}
