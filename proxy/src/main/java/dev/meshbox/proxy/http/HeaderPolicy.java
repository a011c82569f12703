package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;

/** Envoy's treatment of hop-by-hop and proxy headers. */
public final class HeaderPolicy {

    public static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString ATTEMPT_COUNT = AsciiString.cached("x-envoy-attempt-count");
    public static final AsciiString UPSTREAM_SERVICE_TIME = AsciiString.cached("x-envoy-upstream-service-time");
    public static final AsciiString RQ_TIMEOUT_MS = AsciiString.cached("x-envoy-upstream-rq-timeout-ms");
    public static final AsciiString ORIGINAL_PATH = AsciiString.cached("x-envoy-original-path");
    public static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    public static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    public static final AsciiString FORWARDED_CLIENT_CERT = AsciiString.cached("x-forwarded-client-cert");

    /** Header names as {@link AsciiString}s: Netty's lookups hash those once, a {@code String} on every call. */
    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION);

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
        for (int i = 0; i < HOP_BY_HOP.size(); i++) {
            headers.remove(HOP_BY_HOP.get(i));
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
