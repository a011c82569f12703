package dev.meshbox.bookinfo.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The request headers an app copies from its incoming request onto every outbound call. Tracing and
 * header-based routing (e.g. {@code end-user: jason} selecting reviews v2) only work past the first hop
 * because every Bookinfo app does this.
 *
 * @param values lower-cased header names to values, in {@link #PROPAGATED} order
 */
public record ForwardedHeaders(Map<String, String> values) {
    /**
     * The headers Bookinfo apps forward, as Istio's samples do: productpage's {@code getForwardHeaders} list
     * (its B3 headers come from its tracer; forwarding the incoming ones keeps the sidecar's server span as the
     * parent), the same list reviews and details keep "in sync", and the request-scoped user headers.
     */
    public static final List<String> PROPAGATED = List.of(
            "x-request-id",
            "x-b3-traceid",
            "x-b3-spanid",
            "x-b3-parentspanid",
            "x-b3-sampled",
            "x-b3-flags",
            "traceparent",
            "tracestate",
            "x-ot-span-context",
            "x-datadog-trace-id",
            "x-datadog-parent-id",
            "x-datadog-sampling-priority",
            "x-cloud-trace-context",
            "grpc-trace-bin",
            "sw8",
            "end-user",
            "user-agent",
            "cookie",
            "authorization",
            "jwt");

    public static final ForwardedHeaders NONE = new ForwardedHeaders(Map.of());

    public ForwardedHeaders {
        Map<String, String> copy = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!isToken(lower)) {
                throw new IllegalArgumentException("header name: must be an HTTP token, got '" + name + "'");
            }
            if (!isSafeValue(value)) {
                throw new IllegalArgumentException("header " + lower + ": must not contain control characters");
            }
            copy.put(lower, value);
        });
        values = Collections.unmodifiableMap(copy);
    }

    /**
     * Picks the propagated headers out of an incoming request. A value that could not be written back
     * safely (a control character) is dropped rather than failing the whole request.
     *
     * @param incoming looks a header up by name, null when absent
     */
    public static ForwardedHeaders from(UnaryOperator<String> incoming) {
        Map<String, String> picked = new LinkedHashMap<>();
        for (String name : PROPAGATED) {
            String value = incoming.apply(name);
            if (value != null && isSafeValue(value)) {
                picked.put(name, value);
            }
        }
        return new ForwardedHeaders(picked);
    }

    /** A copy with {@code name} set to {@code value}, replacing any forwarded value. */
    public ForwardedHeaders with(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(name.toLowerCase(Locale.ROOT), value);
        return new ForwardedHeaders(copy);
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Header values are written verbatim onto the wire, so CR and LF would let a caller inject headers. */
    static boolean isSafeValue(String value) {
        return Http1Request.isSafeValue(value);
    }

    private static boolean isToken(String name) {
        return Http1Request.isToken(name);
    }
}
