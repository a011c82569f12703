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
import java.util.random.RandomGenerator;

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
    static final String FORCE_TRACE = "x-envoy-force-trace";

    /** The span of a request in flight. */
    record Active(
            TracingConfig config,
            TraceContext context,
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

    /** Decides the request's span and writes its headers for the hop onwards; nothing without {@code tracing}. */
    void start(HttpExchange exchange, RandomSource random) {
        if (exchange.listener().hcm() == null || exchange.listener().hcm().tracing() == null) {
            return;
        }
        TracingConfig config = exchange.listener().hcm().tracing();
        HttpHeaders h = exchange.request().headers();
        TraceContext incoming = TraceContext.extract(h::get);
        String clientTraceId = h.get(CLIENT_TRACE_ID);
        boolean sampled;
        if (incoming != null && incoming.sampled() != null) {
            sampled = incoming.sampled();
        } else {
            sampled = decide(config, exchange.facts().requestKey(), clientTraceId != null, h.contains(FORCE_TRACE));
        }
        // Per proxy and direction, so that two hops of one request (same id, same seed) never share a span id.
        long key = exchange.facts().requestKey() ^ salt ^ (exchange.facts().inbound() ? 0x5bd1e995L : 0);
        RandomGenerator ids = random.forRequest(key, RandomSource.Decision.TRACE, 0);
        String traceId = incoming != null && incoming.traceId() != null ? incoming.traceId() : hex(ids) + hex(ids);
        String spanId = hex(ids);
        String parent = incoming != null ? incoming.spanId() : null;
        TraceContext mine = new TraceContext(traceId, spanId, parent, sampled, incoming != null && incoming.debug());
        mine.inject(h::set, h::remove, config.w3c());
        Map<String, String> headerTags = Map.of();
        for (TracingConfig.CustomTag t : config.customTags()) {
            if (t.kind() == TracingConfig.CustomTag.Kind.REQUEST_HEADER && h.contains(t.name())) {
                headerTags = new LinkedHashMap<>(headerTags);
                headerTags.put(t.tag(), h.get(t.name()));
            }
        }
        exchange.filterState(ACTIVE, new Active(config, mine, sampled, clientTraceId, headerTags));
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
        TraceContext c = active.context();
        long startMicros =
                f.startTime().getEpochSecond() * 1_000_000 + f.startTime().getNano() / 1_000;
        return new Span(
                c.traceId(),
                c.spanId(),
                c.parentId(),
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

    private static String hex(RandomGenerator r) {
        long v;
        do {
            v = r.nextLong();
        } while (v == 0);
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }
}
