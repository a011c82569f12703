package dev.meshbox.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses the proxy makes itself, with Envoy's bodies and details. To a gRPC request ({@code content-type:
 * application/grpc...}) Envoy answers in gRPC's terms instead: HTTP 200, trailers-only, {@code grpc-status} mapped from
 * the HTTP status (or the fault's own gRPC status) and the body as {@code grpc-message}.
 *
 * @param grpcStatus the gRPC status to answer with whatever the request, or -1 to map {@code status} for gRPC requests
 */
public record LocalReply(int status, String body, ResponseFlag flag, String details, int grpcStatus) {

    public LocalReply(int status, String body, ResponseFlag flag, String details) {
        this(status, body, flag, details, -1);
    }

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

    /** The fault filter's {@code abort.grpc_status}: a gRPC answer to any request, as Envoy's. */
    public static LocalReply faultAbortGrpc(int grpcStatus) {
        return new LocalReply(200, "fault filter abort", ResponseFlag.FI, "fault_filter_abort", grpcStatus);
    }

    public static LocalReply direct(int status, String body) {
        return new LocalReply(status, body, null, "direct_response");
    }

    /** Whether {@code contentType} is gRPC's ({@code application/grpc}, {@code application/grpc+proto}, ...). */
    public static boolean isGrpc(String contentType) {
        return contentType != null
                && contentType.regionMatches(true, 0, "application/grpc", 0, 16)
                && (contentType.length() == 16 || contentType.charAt(16) == '+' || contentType.charAt(16) == ';');
    }

    /** Envoy's {@code Grpc::Utility::httpToGrpcStatus}, as gRPC's HTTP-to-gRPC status mapping. */
    public static int grpcStatusOf(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
    }

    /** The reply as the client sees it: gRPC's shape when the request is gRPC or the reply carries a gRPC status. */
    public FullHttpResponse toResponse(ByteBufAllocator alloc, boolean grpcRequest) {
        if (!grpcRequest && grpcStatus < 0) {
            return toResponse(alloc);
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, alloc.buffer(0));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                .set("grpc-status", grpcStatus >= 0 ? grpcStatus : grpcStatusOf(status));
        if (!body.isEmpty()) {
            response.headers().set("grpc-message", grpcMessage(body));
        }
        return response;
    }

    /** gRPC's percent-encoding of {@code grpc-message}: printable ASCII but '%' as is, the rest as UTF-8 bytes. */
    static String grpcMessage(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
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
