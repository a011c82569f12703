package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Envoy's treatment of hop-by-hop and proxy headers. */
public final class HeaderPolicy {

    public static final String REQUEST_ID = "x-request-id";
    public static final String ATTEMPT_COUNT = "x-envoy-attempt-count";
    public static final String UPSTREAM_SERVICE_TIME = "x-envoy-upstream-service-time";
    public static final String RQ_TIMEOUT_MS = "x-envoy-upstream-rq-timeout-ms";
    public static final String ORIGINAL_PATH = "x-envoy-original-path";
    public static final String FORWARDED_PROTO = "x-forwarded-proto";
    public static final String FORWARDED_FOR = "x-forwarded-for";
    public static final String FORWARDED_CLIENT_CERT = "x-forwarded-client-cert";

    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "te",
            "trailer",
            "upgrade",
            "proxy-authenticate",
            "proxy-authorization");

    private HeaderPolicy() {}

    /**
     * Removes hop-by-hop headers, including those the Connection header names; {@code te: trailers} stays, as Envoy
     * keeps it (gRPC requires it end to end).
     */
    public static void stripHopByHop(HttpHeaders headers) {
        List<String> connection =
                headers.contains(HttpHeaderNames.CONNECTION) ? headers.getAll(HttpHeaderNames.CONNECTION) : List.of();
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !name.equals("close") && !name.equals("keep-alive")) {
                    headers.remove(name);
                }
            }
        }
        String te = headers.get(HttpHeaderNames.TE);
        for (String name : HOP_BY_HOP) {
            headers.remove(name);
        }
        if (te != null && te.trim().equalsIgnoreCase("trailers")) {
            headers.set(HttpHeaderNames.TE, "trailers");
        }
    }

    /** Applies {@code headers_to_add} then {@code headers_to_remove} of one level (a weighted cluster or a route). */
    public static void apply(
            List<dev.meshbox.proxy.route.HeaderMutations.HeaderAdd> add, List<String> remove, HttpHeaders headers) {
        for (var a : add) {
            switch (a.action()) {
                case APPEND_IF_EXISTS_OR_ADD -> headers.add(a.name(), a.value());
                case ADD_IF_ABSENT -> {
                    if (!headers.contains(a.name())) {
                        headers.set(a.name(), a.value());
                    }
                }
                case OVERWRITE_IF_EXISTS_OR_ADD -> headers.set(a.name(), a.value());
                case OVERWRITE_IF_EXISTS -> {
                    if (headers.contains(a.name())) {
                        headers.set(a.name(), a.value());
                    }
                }
                default -> throw new IllegalStateException(a.action().name());
            }
        }
        for (String name : remove) {
            headers.remove(name);
        }
    }

    /** {@code host:port} becomes {@code host-shadow:port}, as Envoy names a mirrored request's authority. */
    public static String shadowHost(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon > 0 && authority.indexOf(':') == colon) {
            return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
        }
        return authority + "-shadow";
    }
}
