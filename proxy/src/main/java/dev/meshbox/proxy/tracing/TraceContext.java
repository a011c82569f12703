package dev.meshbox.proxy.tracing;

import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A B3 span context as it travels in headers: trace id (32 hex, 128-bit, or 16 hex), span id, parent span id and the
 * sampling decision ({@code null} when the caller left it to this hop). Read from, in Envoy's order of precedence, the
 * single {@code b3} header, the multi {@code x-b3-*} headers, then W3C {@code traceparent}; written as the multi
 * headers (and {@code traceparent} when asked), as Envoy's Zipkin tracer does.
 */
public record TraceContext(String traceId, String spanId, String parentId, Boolean sampled, boolean debug) {

    public static final String TRACE_ID = "x-b3-traceid";
    public static final String SPAN_ID = "x-b3-spanid";
    public static final String PARENT_SPAN_ID = "x-b3-parentspanid";
    public static final String SAMPLED = "x-b3-sampled";
    public static final String FLAGS = "x-b3-flags";
    public static final String B3 = "b3";
    public static final String TRACEPARENT = "traceparent";

    /**
     * The caller's context, or a context with only a sampling decision ({@code traceId} null) when the caller sent
     * just {@code x-b3-sampled} or {@code b3: 0}, or null when it sent none; malformed ids count as absent.
     */
    public static TraceContext extract(Function<String, String> headers) {
        String single = headers.apply(B3);
        if (single != null && !single.isEmpty()) {
            TraceContext c = single(single.trim().toLowerCase(Locale.ROOT));
            if (c != null) {
                return c;
            }
        }
        String traceId = lower(headers.apply(TRACE_ID));
        String spanId = lower(headers.apply(SPAN_ID));
        Boolean sampled = sampled(headers.apply(SAMPLED));
        boolean debug = "1".equals(headers.apply(FLAGS));
        if (debug) {
            sampled = Boolean.TRUE;
        }
        if (isTraceId(traceId) && isSpanId(spanId)) {
            String parent = lower(headers.apply(PARENT_SPAN_ID));
            return new TraceContext(traceId, spanId, isSpanId(parent) ? parent : null, sampled, debug);
        }
        String traceparent = lower(headers.apply(TRACEPARENT));
        if (traceparent != null) {
            String[] p = traceparent.trim().split("-");
            if (p.length >= 4
                    && p[0].length() == 2
                    && isTraceId(p[1])
                    && p[1].length() == 32
                    && isSpanId(p[2])
                    && p[3].length() == 2
                    && isHex(p[3])) {
                boolean on = (Integer.parseInt(p[3], 16) & 1) == 1;
                return new TraceContext(p[1], p[2], null, sampled != null ? sampled : on, debug);
            }
        }
        return sampled == null ? null : new TraceContext(null, null, null, sampled, debug);
    }

    /** {@code b3: {traceid}-{spanid}[-{sampling}[-{parentspanid}]]} or just {@code {sampling}}. */
    private static TraceContext single(String v) {
        String[] p = v.split("-");
        if (p.length == 1) {
            Boolean s = singleSampled(p[0]);
            return s == null ? null : new TraceContext(null, null, null, s, p[0].equals("d"));
        }
        if (!isTraceId(p[0]) || !isSpanId(p[1])) {
            return null;
        }
        Boolean s = p.length > 2 ? singleSampled(p[2]) : null;
        String parent = p.length > 3 && isSpanId(p[3]) ? p[3] : null;
        return new TraceContext(p[0], p[1], parent, s, p.length > 2 && p[2].equals("d"));
    }

    private static Boolean singleSampled(String s) {
        return switch (s) {
            case "1", "d" -> Boolean.TRUE;
            case "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static Boolean sampled(String v) {
        if (v == null) {
            return null;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "d" -> Boolean.TRUE;
            case "0", "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Writes this context as the headers of the request going on; {@code w3c} adds {@code traceparent}. */
    public void inject(BiConsumer<String, String> set, java.util.function.Consumer<String> remove, boolean w3c) {
        remove.accept(B3);
        set.accept(TRACE_ID, traceId);
        set.accept(SPAN_ID, spanId);
        if (parentId != null) {
            set.accept(PARENT_SPAN_ID, parentId);
        } else {
            remove.accept(PARENT_SPAN_ID);
        }
        set.accept(SAMPLED, Boolean.TRUE.equals(sampled) ? "1" : "0");
        if (debug) {
            set.accept(FLAGS, "1");
        }
        if (w3c) {
            String id = traceId.length() == 32 ? traceId : "0000000000000000" + traceId;
            set.accept(TRACEPARENT, "00-" + id + "-" + spanId + "-" + (Boolean.TRUE.equals(sampled) ? "01" : "00"));
        }
    }

    static boolean isTraceId(String s) {
        return s != null && (s.length() == 32 || s.length() == 16) && isHex(s) && !allZero(s);
    }

    static boolean isSpanId(String s) {
        return s != null && s.length() == 16 && isHex(s) && !allZero(s);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s) {
        return s.chars().allMatch(c -> c == '0');
    }

    private static String lower(String s) {
        return s == null ? null : s.trim().toLowerCase(Locale.ROOT);
    }
}
