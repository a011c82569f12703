package dev.meshbox.proxy.tracing;

import java.util.Map;

/**
 * One finished span in Zipkin's v2 model: what the proxy reports and what Zipkin's {@code /api/v2/traces} gives back
 * (the same field names), so tests and scenarios read spans as Zipkin stores them.
 *
 * @param traceId 32 lowercase hex (128-bit)
 * @param id this span's 16-hex id
 * @param parentId the caller's span id, or null for a root span
 * @param name the route's {@code decorator.operation}, lower-cased as Zipkin stores it
 * @param kind CLIENT (a sidecar's outbound side, a gateway) or SERVER (a sidecar's inbound side)
 * @param timestampMicros start, epoch microseconds
 * @param durationMicros how long, at least 1
 * @param serviceName {@code localEndpoint.serviceName}: {@code <app>.<namespace>}
 * @param ipv4 {@code localEndpoint.ipv4}, or null
 * @param tags Envoy's and Istio's tags
 */
public record Span(
        String traceId,
        String id,
        String parentId,
        String name,
        Kind kind,
        long timestampMicros,
        long durationMicros,
        String serviceName,
        String ipv4,
        Map<String, String> tags) {

    /** Zipkin's span kinds the proxy makes. */
    public enum Kind {
        CLIENT,
        SERVER
    }

    public Span {
        tags = Map.copyOf(tags);
        durationMicros = Math.max(1, durationMicros);
    }

    /** The span as a Zipkin v2 JSON object. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        appendJson(sb);
        return sb.toString();
    }

    void appendJson(StringBuilder sb) {
        sb.append("{\"traceId\":");
        string(sb, traceId);
        if (parentId != null) {
            sb.append(",\"parentId\":");
            string(sb, parentId);
        }
        sb.append(",\"id\":");
        string(sb, id);
        sb.append(",\"kind\":\"").append(kind.name()).append('"');
        sb.append(",\"name\":");
        string(sb, name);
        sb.append(",\"timestamp\":").append(timestampMicros);
        sb.append(",\"duration\":").append(durationMicros);
        sb.append(",\"localEndpoint\":{\"serviceName\":");
        string(sb, serviceName);
        if (ipv4 != null && !ipv4.isEmpty()) {
            sb.append(",\"ipv4\":");
            string(sb, ipv4);
        }
        sb.append('}');
        sb.append(",\"tags\":{");
        boolean first = true;
        for (Map.Entry<String, String> t : new java.util.TreeMap<>(tags).entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, t.getKey());
            sb.append(':');
            string(sb, t.getValue());
        }
        sb.append("}}");
    }

    /** A list of spans as the JSON array {@code POST /api/v2/spans} takes. */
    public static String toJson(java.util.List<Span> spans) {
        StringBuilder sb = new StringBuilder(512 * spans.size() + 2).append('[');
        for (int i = 0; i < spans.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            spans.get(i).appendJson(sb);
        }
        return sb.append(']').toString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
