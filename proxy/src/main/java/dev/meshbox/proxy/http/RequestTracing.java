package dev.meshbox.proxy.http;

import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.Route;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.tracing.Span;
import dev.meshbox.proxy.tracing.SpanReporter;
import dev.meshbox.proxy.tracing.TraceContext;
import dev.meshbox.proxy.tracing.TracingConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Envoy's tracing in the HTTP connection manager, with its Zipkin tracer as Istio configures it
 * ({@code shared_span_context: false}, 128-bit trace ids): a request on a connection manager with {@code tracing}
 * gets one span, SERVER on a sidecar's inbound side, CLIENT on its outbound side and on a gateway. Its parent is the
 * caller's span (the incoming {@code x-b3-spanid}), its id new, its trace the caller's or a new one; the request goes
 * on with this span's B3 headers. Sampling as Envoy decides it: the caller's decision when it sent one, else
 * {@code x-client-trace-id} (client_sampling) or {@code x-envoy-force-trace}, else {@code random_sampling} drawn on the
 * request id (so every hop of one request decides alike), capped by {@code overall_sampling}. Istio sets no
 * {@code start_child_span} on the router, so retries stay inside the one span. At the end a sampled span gets
 * Envoy's tags ({@code source/common/tracing/http_tracer_impl.cc}) and goes to the {@link SpanReporter}.
 */
public final class RequestTracing {

    /** Who this proxy is in its spans. */
    public record Identity(String serviceName, String nodeId, String ipv4) {}

    static final String CLIENT_TRACE_ID = "x-client-trace-id";

    /**
     * The span of a request in flight: its trace id as written onwards, its own span id (hex only when reported),
     * the caller's span id (its parent).
     */
    record Active(
            TracingConfig config,
            CharSequence traceId,
            long spanId,
            String parentId,
            boolean sampled,
            String clientTraceId,
            Map<String, String> headerTags) {}

    static final FilterStateKey<Active> ACTIVE = new FilterStateKey<>("envoy.tracing.span", Active.class);

    public static final RequestTracing NONE = new RequestTracing(new Identity("unknown", "", null), SpanReporter.NONE);

    private final Identity identity;
    private final SpanReporter reporter;
    private final long salt;

    public RequestTracing(Identity identity, SpanReporter reporter) {
        this.identity = identity;
        this.reporter = reporter;
        this.salt = RandomSource.requestKey(identity.nodeId());
    }

    public SpanReporter reporter() {
        return reporter;
    }

    /**
     * Decides the request's span and writes its headers for the hop onwards; nothing without {@code tracing}. As
     * Envoy, an unsampled request still gets a span context (new span id, the caller's trace or a new one) and
     * carries it on with {@code x-b3-sampled: 0}; only reporting is skipped. The work is kept to one pass over the
     * headers, ids drawn as longs and formatted once, and the B3 headers written in place.
     */
    void start(HttpExchange exchange, RandomSource random) {
        if (exchange.listener().hcm() == null || exchange.listener().hcm().tracing() == null) {
            return;
        }
        TracingConfig config = exchange.listener().hcm().tracing();
        HttpHeaders h = exchange.request().headers();
        TraceHeaders found = TraceHeaders.scan(h);
        TraceContext incoming = found.anyContext() ? TraceContext.extract(found::get) : null;
        boolean sampled;
        if (incoming != null && incoming.sampled() != null) {
            sampled = incoming.sampled();
        } else {
            sampled = decide(config, exchange.facts().requestKey(), found.clientTraceId != null, found.forceTrace);
        }
        // Per proxy, direction and attempt, so that two hops of one request (same id, same seed), or two attempts of
        // one retried call arriving here, never share a span id.
        long key = exchange.facts().requestKey() ^ salt ^ (exchange.facts().inbound() ? 0x5bd1e995L : 0);
        if (found.attemptCount != null) {
            key = RandomSource.mix(key + found.attemptCount.hashCode());
        }
        long spanId = random.nextId(key, RandomSource.Decision.TRACE, 0);
        CharSequence traceId;
        if (incoming != null && incoming.traceId() != null) {
            traceId = incoming.traceId();
            if (!traceId.equals(found.traceId)) {
                h.set(TraceHeaders.TRACE_ID, traceId);
            }
        } else {
            traceId = TraceHeaders.hex(
                    random.nextId(key, RandomSource.Decision.TRACE, 1),
                    random.nextId(key, RandomSource.Decision.TRACE, 2));
            h.set(TraceHeaders.TRACE_ID, traceId);
        }
        CharSequence span = TraceHeaders.hex(spanId);
        h.set(TraceHeaders.SPAN_ID, span);
        String parent = incoming != null ? incoming.spanId() : null;
        if (parent != null) {
            h.set(TraceHeaders.PARENT_SPAN_ID, parent);
        } else if (found.parentSpanId != null) {
            h.remove(TraceHeaders.PARENT_SPAN_ID);
        }
        h.set(TraceHeaders.SAMPLED, sampled ? TraceHeaders.ONE : TraceHeaders.ZERO);
        if (found.b3 != null) {
            h.remove(TraceHeaders.B3);
        }
        if (incoming != null && incoming.debug()) {
            h.set(TraceHeaders.FLAGS, TraceHeaders.ONE);
        }
        if (config.w3c() || found.traceparent != null) {
            h.set(TraceHeaders.TRACEPARENT, traceparent(traceId, span, sampled));
        }
        Map<String, String> headerTags = Map.of();
        for (TracingConfig.CustomTag t : config.customTags()) {
            if (t.kind() == TracingConfig.CustomTag.Kind.REQUEST_HEADER && h.contains(t.name())) {
                headerTags = new LinkedHashMap<>(headerTags);
                headerTags.put(t.tag(), h.get(t.name()));
            }
        }
        exchange.filterState(
                ACTIVE, new Active(config, traceId, spanId, parent, sampled, found.clientTraceId, headerTags));
    }

    /** W3C's {@code traceparent} for this hop's span: version 00, a 64-bit trace id left-padded to 128 bits. */
    static String traceparent(CharSequence traceId, CharSequence spanId, boolean sampled) {
        return "00-" + (traceId.length() == 32 ? "" : "0000000000000000") + traceId + "-" + spanId + "-"
                + (sampled ? "01" : "00");
    }

    /** Envoy's decision when the caller made none. */
    static boolean decide(TracingConfig config, long requestKey, boolean clientTraceId, boolean force) {
        boolean traced;
        if (clientTraceId) {
            traced = draw(requestKey, 1) < config.clientSampling();
        } else if (force) {
            traced = true;
        } else {
            traced = draw(requestKey, 2) < config.randomSampling();
        }
        return traced && draw(requestKey, 3) < config.overallSampling();
    }

    /** A percentage in [0, 100) that is a function of the request id: every hop of a request draws the same. */
    static double draw(long requestKey, int which) {
        long h = RandomSource.mix(requestKey + 0x9E3779B97F4A7C15L * which);
        return (h >>> 11) * 0x1.0p-53 * 100;
    }

    /** Reports the request's span when it was sampled and the provider reports. */
    void finish(HttpExchange exchange, long endNanos) {
        Active active = exchange.filterState(ACTIVE);
        if (active == null || !active.sampled() || !active.config().reports()) {
            return;
        }
        reporter.report(
                active.config().collectorCluster(),
                active.config().collectorEndpoint(),
                span(exchange, active, endNanos));
    }

    Span span(HttpExchange exchange, Active active, long endNanos) {
        RequestFacts f = exchange.facts();
        Outcome o = exchange.outcome();
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("component", "proxy");
        tags.put("node_id", identity.nodeId());
        tags.put("guid:x-request-id", f.requestId());
        if (active.clientTraceId() != null) {
            tags.put("guid:" + CLIENT_TRACE_ID, active.clientTraceId());
        }
        String scheme = f.connection().mutualTls() ? "https" : "http";
        String url = scheme + "://" + (f.authority() == null ? "" : f.authority()) + f.path();
        int max = active.config().maxPathTagLength();
        tags.put("http.url", url.length() > max ? url.substring(0, max) : url);
        tags.put("http.method", f.method());
        tags.put("http.protocol", f.protocol());
        tags.put("downstream_cluster", "-");
        tags.put("user_agent", f.userAgent() == null ? "-" : f.userAgent());
        if (f.downstreamRemote() != null) {
            tags.put("peer.address", f.downstreamRemote());
        }
        tags.put("request_size", Long.toString(f.bytesReceived()));
        tags.put("response_size", Long.toString(o.bytesSent()));
        tags.put("http.status_code", Integer.toString(o.responseCode()));
        tags.put("response_flags", o.flagsText() == null ? "-" : o.flagsText());
        RouteDecision d = exchange.decision();
        if (d instanceof RouteDecision.Forward forward) {
            tags.put("upstream_cluster", forward.cluster());
            tags.put("upstream_cluster.name", forward.cluster());
        }
        if (o.upstreamHost() != null) {
            tags.put("upstream_address", o.upstreamHost());
        }
        if (o.grpc()) {
            tags.put("grpc.path", f.path());
            if (o.grpcStatus() != null) {
                tags.put("grpc.status_code", o.grpcStatus());
            }
        }
        if (o.responseCode() >= 500 || o.responseCode() == 0) {
            tags.put("error", "true");
        }
        for (TracingConfig.CustomTag t : active.config().customTags()) {
            String value = switch (t.kind()) {
                case LITERAL -> t.defaultValue();
                case ENVIRONMENT -> {
                    String env = System.getenv(t.name());
                    yield env == null ? t.defaultValue() : env;
                }
                case REQUEST_HEADER -> active.headerTags().getOrDefault(t.tag(), t.defaultValue());
            };
            if (value != null && !value.isEmpty()) {
                tags.put(t.tag(), value);
            }
        }
        long startMicros =
                f.startTime().getEpochSecond() * 1_000_000 + f.startTime().getNano() / 1_000;
        return new Span(
                active.traceId().toString(),
                TraceHeaders.hex(active.spanId()).toString(),
                active.parentId(),
                operation(exchange).toLowerCase(Locale.ROOT),
                f.inbound() ? Span.Kind.SERVER : Span.Kind.CLIENT,
                startMicros,
                (endNanos - f.startNanos()) / 1_000,
                identity.serviceName().toLowerCase(Locale.ROOT),
                identity.ipv4(),
                tags);
    }

    /** The route's {@code decorator.operation}; without one, the authority and path (no query). */
    static String operation(HttpExchange exchange) {
        Route route = exchange.route();
        if (route != null && !route.decorator().isEmpty()) {
            return route.decorator();
        }
        String path = exchange.facts().path();
        int q = path.indexOf('?');
        String authority = exchange.facts().authority();
        return (authority == null ? "" : authority) + (q < 0 ? path : path.substring(0, q));
    }
}
