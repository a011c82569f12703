package dev.meshbox.proxy.forward;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the proxy makes itself, with Envoy's bodies and details. */
record LocalReply(int status, String body, ResponseFlags flag, String details) {

    static final String UPSTREAM_CONNECT_FAILURE =
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    static final String UPSTREAM_RESET =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";

    static final String UPSTREAM_OVERFLOW =
            "upstream connect error or disconnect/reset before headers. reset reason: overflow";

    /** A circuit breaker was full: the request never went upstream. */
    static LocalReply overflow() {
        return new LocalReply(
                503, UPSTREAM_OVERFLOW, ResponseFlags.UO, "upstream_reset_before_response_started{overflow}");
    }

    static LocalReply noRoute() {
        return new LocalReply(404, "", ResponseFlags.NR, "route_not_found");
    }

    static LocalReply clusterNotFound() {
        return new LocalReply(503, "", ResponseFlags.NC, "cluster_not_found");
    }

    static LocalReply noHealthyUpstream() {
        return new LocalReply(503, "no healthy upstream", ResponseFlags.UH, "no_healthy_upstream");
    }

    static LocalReply connectFailure() {
        return new LocalReply(
                503,
                UPSTREAM_CONNECT_FAILURE,
                ResponseFlags.UF,
                "upstream_reset_before_response_started{connection_failure}");
    }

    static LocalReply reset() {
        return new LocalReply(
                503,
                UPSTREAM_RESET,
                ResponseFlags.UC,
                "upstream_reset_before_response_started{connection_termination}");
    }

    static LocalReply timeout(String details) {
        return new LocalReply(504, "upstream request timeout", ResponseFlags.UT, details);
    }

    static LocalReply faultAbort(int status) {
        return new LocalReply(status, "fault filter abort", ResponseFlags.FI, "fault_filter_abort");
    }

    static LocalReply direct(int status, String body) {
        return new LocalReply(status, body, null, "direct_response");
    }

    FullHttpResponse toResponse(ByteBufAllocator alloc) {
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
