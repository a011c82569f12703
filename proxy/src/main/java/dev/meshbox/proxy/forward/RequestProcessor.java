package dev.meshbox.proxy.forward;

import dev.meshbox.proxy.cluster.ClusterSpec;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.listener.HcmSpec;
import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.HeaderMutations;
import dev.meshbox.proxy.route.PathMatcher;
import dev.meshbox.proxy.route.RequestView;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.route.Router;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.xds.ProxyConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP connection manager and its filters (fault, router) for one request: route, maybe inject a fault,
 * then answer locally or hand over to an {@link UpstreamCall}; finally write the response and log it.
 */
public final class RequestProcessor {

    /** Mirrors draw their host with HOST decisions from this index on, apart from the request's own attempts. */
    private static final int MIRROR_HOST_INDEX = 1 << 20;

    private final ProxyRuntime rt;

    public RequestProcessor(ProxyRuntime rt) {
        this.rt = rt;
    }

    /** Handles one request already in origin form with its Host set; owns {@code request}. */
    public void process(Downstream ds, FullHttpRequest request, ResolvedListener target) {
        RequestLog log = new RequestLog(rt.clock().instant(), rt.ticker().read());
        HttpHeaders h = request.headers();
        String requestId = h.get(HeaderPolicy.REQUEST_ID);
        if (requestId == null || requestId.isEmpty()) {
            requestId = newRequestId();
            h.set(HeaderPolicy.REQUEST_ID, requestId);
        }
        log.requestKey = RandomSource.requestKey(requestId);
        log.requestHeaderBytes = MetricsRecorder.headerBytes(h) + request.uri().length() + 16;
        log.method = request.method().name();
        log.path = h.contains(HeaderPolicy.ORIGINAL_PATH) ? h.get(HeaderPolicy.ORIGINAL_PATH) : request.uri();
        log.protocol = request.protocolVersion().text();
        log.authority = h.get(HttpHeaderNames.HOST);
        log.requestId = requestId;
        log.userAgent = h.get(HttpHeaderNames.USER_AGENT);
        log.xForwardedFor = h.get(HeaderPolicy.FORWARDED_FOR);
        log.bytesReceived = request.content().readableBytes();
        log.downstreamLocal = ds.localAddressText();
        log.downstreamRemote = ds.remoteAddressText();
        log.listener = target.listenerName();
        log.direction = target.direction();

        HcmSpec hcm = target.hcm();
        log.statPrefix = hcm == null ? null : hcm.statPrefix();
        if (hcm == null) {
            request.release();
            reply(ds, log, LocalReply.noRoute());
            return;
        }
        ProxyConfig config = rt.config().get();
        RouteTable table = hcm.inlineRoutes() != null
                ? hcm.inlineRoutes()
                : config.routes().get(hcm.rdsName());
        RequestView view = view(request);
        RouteDecision decision =
                Router.route(table, view, rt.random().forRequest(log.requestKey, RandomSource.Decision.ROUTE, 0));
        if (decision instanceof RouteDecision.NoRoute) {
            request.release();
            reply(ds, log, LocalReply.noRoute());
        } else if (decision instanceof RouteDecision.DirectResponse d) {
            request.release();
            log.routeName = d.route().name();
            log.headerMutations = List.of(d.route().headers());
            reply(ds, log, LocalReply.direct(d.status(), d.body()));
        } else if (decision instanceof RouteDecision.Redirect r) {
            request.release();
            log.routeName = r.route().name();
            log.headerMutations = List.of(r.route().headers());
            FullHttpResponse response = LocalReply.direct(r.status(), "").toResponse(ByteBufAllocator.DEFAULT);
            response.headers().set(HttpHeaderNames.LOCATION, r.location());
            complete(ds, log, response);
        } else {
            RouteDecision.Forward f = (RouteDecision.Forward) decision;
            log.routeName = f.route().name();
            log.upstreamCluster = f.cluster();
            log.headerMutations = mutations(f);
            FaultPolicy fault = hcm.faultFilter() ? f.route().fault() : null;
            if (fault != null
                    && fault.hasDelay()
                    && draw(log, RandomSource.Decision.FAULT_DELAY, 0) < fault.delayPerMillion()) {
                log.flags.add(ResponseFlags.DI);
                ds.eventLoop()
                        .schedule(
                                () -> afterDelay(ds, request, view, hcm, f, fault, log),
                                fault.delay().toNanos(),
                                TimeUnit.NANOSECONDS);
            } else {
                afterDelay(ds, request, view, hcm, f, fault, log);
            }
        }
    }

    /** Envoy applies the picked weighted cluster's header mutations before the route's. */
    private static List<HeaderMutations> mutations(RouteDecision.Forward f) {
        HeaderMutations route = f.route().headers();
        HeaderMutations cluster = f.action().weighted() == null
                ? HeaderMutations.NONE
                : f.action().weighted().headersOf(f.cluster());
        if (cluster.isEmpty()) {
            return route.isEmpty() ? List.of() : List.of(route);
        }
        return List.of(cluster, route);
    }

    private int draw(RequestLog log, RandomSource.Decision decision, int index) {
        return rt.random().forRequest(log.requestKey, decision, index).nextInt(FaultPolicy.MILLION);
    }

    private void afterDelay(
            Downstream ds,
            FullHttpRequest request,
            RequestView view,
            HcmSpec hcm,
            RouteDecision.Forward f,
            FaultPolicy fault,
            RequestLog log) {
        if (!ds.isOpen()) {
            request.release();
            log.flags.add(ResponseFlags.DC);
            logOnly(log);
            return;
        }
        if (fault != null
                && fault.hasAbort()
                && draw(log, RandomSource.Decision.FAULT_ABORT, 0) < fault.abortPerMillion()) {
            request.release();
            reply(ds, log, LocalReply.faultAbort(fault.abortStatus()));
            return;
        }
        ProxyConfig config = rt.config().get();
        UpstreamCluster cluster = config.clusters().get(f.cluster());
        if (cluster == null) {
            request.release();
            reply(ds, log, LocalReply.clusterNotFound());
            return;
        }
        if (cluster.spec().type() == ClusterSpec.Type.ORIGINAL_DST) {
            // Passthrough to the original destination is not served yet.
            request.release();
            reply(ds, log, LocalReply.noHealthyUpstream());
            return;
        }
        // Hashed on the request as it came in, before it becomes the upstream request in place.
        OptionalLong hash =
                RequestHash.compute(f.action().hashPolicies(), view, ds.remoteAddress(), ds.localAddress(), log);
        long timeoutMs = timeoutMs(f, request.headers());
        HttpHeaders upstreamHeaders = upstreamHeaders(request, hcm, f, ds, log);
        String uri = rewrittenUri(request.uri(), f);
        if (!uri.equals(request.uri())) {
            upstreamHeaders.set(HeaderPolicy.ORIGINAL_PATH, request.uri());
        }
        var mirrors = f.action().mirrors();
        for (int i = 0; i < mirrors.size(); i++) {
            UpstreamCluster shadow = config.clusters().get(mirrors.get(i).cluster());
            if (shadow != null
                    && draw(log, RandomSource.Decision.MIRROR, i)
                            < mirrors.get(i).perMillion()) {
                Mirror.send(
                        ds.eventLoop(),
                        shadow,
                        rt.random().forRequest(log.requestKey, RandomSource.Decision.HOST, MIRROR_HOST_INDEX + i),
                        request,
                        uri,
                        upstreamHeaders);
            }
        }
        new UpstreamCall(rt, ds, request, uri, upstreamHeaders, f.action(), timeoutMs, cluster, hash, log, this)
                .start();
    }

    /** The route's timeout, or the one the request asks for with {@code x-envoy-upstream-rq-timeout-ms}. */
    private static long timeoutMs(RouteDecision.Forward f, HttpHeaders h) {
        String override = h.get(HeaderPolicy.RQ_TIMEOUT_MS);
        if (override != null) {
            try {
                return Long.parseLong(override.trim());
            } catch (NumberFormatException ignored) {
                // Envoy ignores a malformed override
            }
        }
        return f.action().timeout().toMillis();
    }

    /**
     * Turns the downstream request's headers into the upstream request's, in place: the request is not used as the
     * client sent it after this (mirrors copy the result).
     */
    private HttpHeaders upstreamHeaders(
            FullHttpRequest request, HcmSpec hcm, RouteDecision.Forward f, Downstream ds, RequestLog log) {
        HttpHeaders headers = request.headers();
        boolean hadContentLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        HeaderPolicy.stripHopByHop(headers);
        headers.remove(HeaderPolicy.RQ_TIMEOUT_MS);
        if (!headers.contains(HeaderPolicy.FORWARDED_PROTO)) {
            headers.set(HeaderPolicy.FORWARDED_PROTO, "http");
        }
        if (hcm.useRemoteAddress() && ds.remoteAddress() != null) {
            String remote = ds.remoteAddress().getAddress().getHostAddress();
            String xff = headers.get(HeaderPolicy.FORWARDED_FOR);
            headers.set(HeaderPolicy.FORWARDED_FOR, xff == null || xff.isEmpty() ? remote : xff + "," + remote);
        }
        PeerMetadata peer = rt.peer();
        if (peer != null) {
            if ("inbound".equals(log.direction)) {
                // Metadata exchange: learn who called, and do not hand Istio's headers to the app.
                log.peer = peer.decode(headers.get(PeerMetadata.HEADER));
                headers.remove(PeerMetadata.HEADER);
                headers.remove(PeerMetadata.ID_HEADER);
            } else {
                headers.set(PeerMetadata.ID_HEADER, peer.nodeId());
                headers.set(PeerMetadata.HEADER, peer.encoded());
            }
        }
        for (HeaderMutations m : log.headerMutations) {
            HeaderPolicy.apply(m.requestAdd(), m.requestRemove(), headers);
        }
        if (f.action().hostRewrite() != null) {
            headers.set(HttpHeaderNames.HOST, f.action().hostRewrite());
        }
        int length = request.content().readableBytes();
        if (length > 0 || hadContentLength) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return headers;
    }

    /** The upstream path after the route's prefix rewrite, if any. */
    static String rewrittenUri(String uri, RouteDecision.Forward f) {
        String rewrite = f.action().prefixRewrite();
        if (rewrite != null
                && f.route().match().path() instanceof PathMatcher.Prefix p
                && uri.regionMatches(
                        !f.route().match().caseSensitive(),
                        0,
                        p.prefix(),
                        0,
                        p.prefix().length())) {
            return rewrite + uri.substring(p.prefix().length());
        }
        return uri;
    }

    private String newRequestId() {
        var random = rt.random().shared();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** The router's view of the request, reading its headers where they are (Netty's lookup ignores case). */
    static RequestView view(FullHttpRequest request) {
        HttpHeaders h = request.headers();
        return RequestView.over(request.method().name(), h.get(HttpHeaderNames.HOST), request.uri(), name -> {
            List<String> all = h.getAll(name);
            return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join(",", all);
        });
    }

    void reply(Downstream ds, RequestLog log, LocalReply reply) {
        if (reply.flag() != null) {
            log.flags.add(reply.flag());
        }
        log.details = reply.details();
        complete(ds, log, reply.toResponse(ByteBufAllocator.DEFAULT));
    }

    /** Adds the proxy's response headers, writes the response and logs the request. */
    void complete(Downstream ds, RequestLog log, FullHttpResponse response) {
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.SERVER, rt.serverHeader());
        h.set(HttpHeaderNames.DATE, HttpDate.of(rt.clock().instant()));
        h.set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        for (HeaderMutations m : log.headerMutations) {
            HeaderPolicy.apply(m.responseAdd(), m.responseRemove(), h);
        }
        exchangePeerMetadata(h, log);
        log.responseCode = response.status().code();
        log.bytesSent = response.content().readableBytes();
        if (log.details == null) {
            log.details = "via_upstream";
        }
        rt.httpStats().countResponse(log.statPrefix, log.responseCode);
        boolean open = ds.isOpen();
        if (!open) {
            log.flags.add(ResponseFlags.DC);
        }
        // Logged before the write so that whoever reads the response can already read its entry.
        long responseBytes = MetricsRecorder.headerBytes(h) + log.bytesSent + 17;
        logOnly(log, responseBytes);
        if (open) {
            ds.respond(response);
        } else {
            response.release();
        }
    }

    /** Inbound answers carry this proxy's metadata; outbound ones give the callee's and lose it before the app. */
    private void exchangePeerMetadata(HttpHeaders h, RequestLog log) {
        PeerMetadata peer = rt.peer();
        if (peer == null || log.direction == null) {
            return;
        }
        if ("inbound".equals(log.direction)) {
            h.set(PeerMetadata.ID_HEADER, peer.nodeId());
            h.set(PeerMetadata.HEADER, peer.encoded());
        } else {
            String upstreamPeer = h.get(PeerMetadata.HEADER);
            if (upstreamPeer != null) {
                log.peer = peer.decode(upstreamPeer);
                h.remove(PeerMetadata.HEADER);
                h.remove(PeerMetadata.ID_HEADER);
            }
        }
    }

    /** Appends the access log entry and records the request's metrics, for a request that is over. */
    void logOnly(RequestLog log) {
        logOnly(log, 0);
    }

    private void logOnly(RequestLog log, long responseBytes) {
        long endNanos = rt.ticker().read();
        rt.accessLog().append(log.toEntry(endNanos));
        MetricsRecorder.record(rt, log, log.durationMs(endNanos), responseBytes);
    }

    static HttpResponseStatus status(int code) {
        return HttpResponseStatus.valueOf(code);
    }
}
