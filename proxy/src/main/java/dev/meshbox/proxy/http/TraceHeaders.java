package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * The tracing headers of one request, found in one pass over its headers (rather than one hash lookup per name),
 * and the cheap forms of what is written back: header names as {@link AsciiString}s (hash computed once, copied as
 * bytes by the encoder) and ids as hex {@link AsciiString}s made straight from their 64-bit values.
 */
final class TraceHeaders {

    static final AsciiString B3 = AsciiString.cached("b3");
    static final AsciiString TRACE_ID = AsciiString.cached("x-b3-traceid");
    static final AsciiString SPAN_ID = AsciiString.cached("x-b3-spanid");
    static final AsciiString PARENT_SPAN_ID = AsciiString.cached("x-b3-parentspanid");
    static final AsciiString SAMPLED = AsciiString.cached("x-b3-sampled");
    static final AsciiString FLAGS = AsciiString.cached("x-b3-flags");
    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString CLIENT_TRACE_ID = AsciiString.cached("x-client-trace-id");
    static final AsciiString FORCE_TRACE = AsciiString.cached("x-envoy-force-trace");
    static final AsciiString ATTEMPT_COUNT = AsciiString.cached("x-envoy-attempt-count");
    static final AsciiString ONE = AsciiString.cached("1");
    static final AsciiString ZERO = AsciiString.cached("0");

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    String b3;
    String traceId;
    String spanId;
    String parentSpanId;
    String sampled;
    String flags;
    String traceparent;
    String clientTraceId;
    boolean forceTrace;
    /** The caller's {@code x-envoy-attempt-count}: each retry of a call is its own request here, with its own span. */
    String attemptCount;

    /** Whether the caller sent any B3 or W3C context (else there is nothing to parse). */
    boolean anyContext() {
        return b3 != null
                || traceId != null
                || spanId != null
                || sampled != null
                || flags != null
                || traceparent != null;
    }

    /** The header's first value, as {@code HttpHeaders.get} gives it, for the names {@code TraceContext} reads. */
    String get(String name) {
        return switch (name) {
            case "b3" -> b3;
            case "x-b3-traceid" -> traceId;
            case "x-b3-spanid" -> spanId;
            case "x-b3-parentspanid" -> parentSpanId;
            case "x-b3-sampled" -> sampled;
            case "x-b3-flags" -> flags;
            case "traceparent" -> traceparent;
            default -> null;
        };
    }

    static TraceHeaders scan(HttpHeaders headers) {
        TraceHeaders t = new TraceHeaders();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence n = e.getKey();
            int length = n.length();
            if (length < 2) {
                continue;
            }
            char first = n.charAt(0);
            if (length == 2) {
                if (t.b3 == null && is(n, B3)) {
                    t.b3 = value(e);
                }
            } else if (first == 't' || first == 'T') {
                if (t.traceparent == null && is(n, TRACEPARENT)) {
                    t.traceparent = value(e);
                }
            } else if ((first == 'x' || first == 'X') && length >= 10) {
                t.xHeader(n, e);
            }
        }
        return t;
    }

    private void xHeader(CharSequence n, Map.Entry<CharSequence, CharSequence> e) {
        char third = n.charAt(2);
        if (third == 'b' || third == 'B') {
            switch (n.length()) {
                case 12 -> {
                    if (traceId == null && is(n, TRACE_ID)) {
                        traceId = value(e);
                    } else if (sampled == null && is(n, SAMPLED)) {
                        sampled = value(e);
                    }
                }
                case 11 -> {
                    if (spanId == null && is(n, SPAN_ID)) {
                        spanId = value(e);
                    }
                }
                case 17 -> {
                    if (parentSpanId == null && is(n, PARENT_SPAN_ID)) {
                        parentSpanId = value(e);
                    }
                }
                case 10 -> {
                    if (flags == null && is(n, FLAGS)) {
                        flags = value(e);
                    }
                }
                default -> {
                    // not a B3 header
                }
            }
        } else if (third == 'c' || third == 'C') {
            if (clientTraceId == null && is(n, CLIENT_TRACE_ID)) {
                clientTraceId = value(e);
            }
        } else if (third == 'e' || third == 'E') {
            if (is(n, FORCE_TRACE)) {
                forceTrace = true;
            } else if (attemptCount == null && is(n, ATTEMPT_COUNT)) {
                attemptCount = value(e);
            }
        }
    }

    private static boolean is(CharSequence name, AsciiString wanted) {
        return name.length() == wanted.length() && AsciiString.contentEqualsIgnoreCase(name, wanted);
    }

    private static String value(Map.Entry<CharSequence, CharSequence> e) {
        return e.getValue() == null ? null : e.getValue().toString();
    }

    /** {@code v} as 16 lower-case hex digits. */
    static AsciiString hex(long v) {
        byte[] b = new byte[16];
        put(b, 0, v);
        return new AsciiString(b, false);
    }

    /** A 128-bit id as 32 lower-case hex digits. */
    static AsciiString hex(long high, long low) {
        byte[] b = new byte[32];
        put(b, 0, high);
        put(b, 16, low);
        return new AsciiString(b, false);
    }

    private static void put(byte[] b, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            b[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }
}
