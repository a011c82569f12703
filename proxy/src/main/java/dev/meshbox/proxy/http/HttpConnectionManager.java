package dev.meshbox.proxy.http;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.HeaderMutations;
import dev.meshbox.proxy.route.RequestView;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.route.Router;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.stats.HttpStats;
import dev.meshbox.proxy.tls.ConnectionSecurity;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * Envoy's HTTP connection manager for the requests of every listener: gives a request its id and facts, decides its
 * route once against the snapshot its listener resolved, runs the connection manager's filter chain (the router
 * last), then writes the answer with the proxy's own response headers and logs it. One per proxy; the per-listener
 * parts come with each request in its {@link ResolvedListener}.
 */
public final class HttpConnectionManager {

    /** What the connection manager needs besides the request: identity, randomness, time, and where it reports. */
    public record Services(
            String serverHeader,
            RandomSource random,
            Clock clock,
            Ticker ticker,
            AccessLog accessLog,
            HttpStats stats,
            RequestTracing tracing) {
        public Services(
                String serverHeader,
                RandomSource random,
                Clock clock,
                Ticker ticker,
                AccessLog accessLog,
                HttpStats stats) {
            this(serverHeader, random, clock, ticker, accessLog, stats, RequestTracing.NONE);
        }
    }

    private static final HttpFilterChain NO_FILTERS = new HttpFilterChain(List.of());

    private final Services services;

    public HttpConnectionManager(Services services) {
        this.services = services;
    }

    RandomSource random() {
        return services.random();
    }

    /** Handles one request already in origin form with its Host set; owns {@code request}. */
    public void process(Downstream downstream, FullHttpRequest request, ResolvedListener listener) {
        String requestId = requestId(request.headers());
        RequestFacts facts = facts(downstream, request, listener, requestId);
        HcmSpec hcm = listener.hcm();
        if (hcm == null) {
            ResolvedListener nothing = new ResolvedListener(
                    listener.listenerName(), listener.direction(), null, NO_FILTERS, null, listener.clusters());
            new HttpExchange(this, facts, request, null, downstream, nothing, RouteDecision.NO_ROUTE)
                    .sendLocalReply(LocalReply.noRoute());
            return;
        }
        forwardClientCert(hcm, facts.connection(), request.headers());
        RequestView view = view(request);
        RouteDecision decision = Router.route(
                listener.routes(),
                view,
                services.random().forRequest(facts.requestKey(), RandomSource.Decision.ROUTE, 0));
        HttpExchange exchange = new HttpExchange(this, facts, request, view, downstream, listener, decision);
        services.tracing().start(exchange, services.random());
        decode(exchange);
    }

    /** Runs the filters from where the exchange stopped until one stops it again or answers. */
    void decode(HttpExchange exchange) {
        HttpFilterChain chain = exchange.listener().filters();
        while (!exchange.isDone() && exchange.nextFilter < chain.size()) {
            int i = exchange.nextFilter++;
            if (chain.enabledFor(i, exchange.route())
                    && chain.filter(i).onRequest(exchange) == HttpFilter.Status.STOP) {
                return;
            }
        }
        if (!exchange.isDone()) {
            // Only a chain without its router gets here (the xDS layer refuses those); answer rather than hang.
            exchange.sendLocalReply(LocalReply.noRoute());
        }
    }

    /** Adds the proxy's response headers, lets the filters see the response, logs the request and writes it. */
    void complete(HttpExchange exchange, FullHttpResponse response) {
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.SERVER, services.serverHeader());
        h.set(HttpHeaderNames.DATE, HttpDate.of(services.clock().instant()));
        h.set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        for (HeaderMutations m : exchange.headerMutations()) {
            HeaderPolicy.apply(m.responseAdd(), m.responseRemove(), h);
        }
        HttpFilterChain chain = exchange.listener().filters();
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (chain.enabledFor(i, exchange.route())) {
                chain.filter(i).onResponse(exchange, h);
            }
        }
        Outcome outcome = exchange.outcome();
        if (outcome.details() == null) {
            outcome.details("via_upstream");
        }
        outcome.responded(response.status().code(), response.content().readableBytes());
        String grpcStatus = h.get(HeaderPolicy.GRPC_STATUS);
        outcome.grpc(
                LocalReply.isGrpc(exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE)),
                grpcStatus != null ? grpcStatus : response.trailingHeaders().get(HeaderPolicy.GRPC_STATUS));
        services.stats().countResponse(exchange.facts().statPrefix(), outcome.responseCode());
        Downstream downstream = exchange.downstream();
        boolean open = downstream.isOpen();
        if (!open) {
            outcome.addFlag(ResponseFlag.DC);
        }
        // Logged before the write so that whoever reads the response can already read its entry.
        end(exchange, MetricsSizes.headerBytes(h) + outcome.bytesSent() + 17);
        if (open) {
            downstream.respond(response);
        } else {
            response.release();
        }
    }

    /**
     * The headers of a response that streams (Envoy's {@code encodeHeaders} without end of stream): the proxy's
     * response headers and the filters' view as for a whole response, no {@code content-length}; logged at its end.
     */
    void completeHeaders(HttpExchange exchange, HttpResponse head) {
        HttpHeaders h = head.headers();
        h.set(HttpHeaderNames.SERVER, services.serverHeader());
        h.set(HttpHeaderNames.DATE, HttpDate.of(services.clock().instant()));
        for (HeaderMutations m : exchange.headerMutations()) {
            HeaderPolicy.apply(m.responseAdd(), m.responseRemove(), h);
        }
        HttpFilterChain chain = exchange.listener().filters();
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (chain.enabledFor(i, exchange.route())) {
                chain.filter(i).onResponse(exchange, h);
            }
        }
        Outcome outcome = exchange.outcome();
        if (outcome.details() == null) {
            outcome.details("via_upstream");
        }
        outcome.responded(head.status().code(), 0);
        exchange.responseHeaderBytes = MetricsSizes.headerBytes(h);
        exchange.grpcStatusInHeaders = h.get(HeaderPolicy.GRPC_STATUS);
        exchange.downstream().respondHeaders(head);
    }

    /** A piece of a streamed response's body, written as it came. */
    void streamData(HttpExchange exchange, HttpContent content) {
        exchange.outcome().sentMore(content.content().readableBytes());
        if (exchange.downstream().isOpen()) {
            exchange.downstream().respondData(content);
        } else {
            content.release();
        }
    }

    /** A streamed response's end: its gRPC status from the trailers, the stats and the log, then the write. */
    void completeStream(HttpExchange exchange, LastHttpContent last) {
        Outcome outcome = exchange.outcome();
        outcome.sentMore(last.content().readableBytes());
        String grpcStatus = last.trailingHeaders().get(HeaderPolicy.GRPC_STATUS);
        outcome.grpc(
                LocalReply.isGrpc(exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE)),
                grpcStatus != null ? grpcStatus : exchange.grpcStatusInHeaders);
        services.stats().countResponse(exchange.facts().statPrefix(), outcome.responseCode());
        Downstream downstream = exchange.downstream();
        boolean open = downstream.isOpen();
        if (!open) {
            outcome.addFlag(ResponseFlag.DC);
        }
        end(exchange, exchange.responseHeaderBytes + outcome.bytesSent() + 17);
        if (open) {
            downstream.respondEnd(last);
        } else {
            last.release();
        }
    }

    /** A streamed response that cannot finish: logged as it stands, the client's stream reset. */
    void resetStream(HttpExchange exchange) {
        Outcome outcome = exchange.outcome();
        outcome.grpc(
                LocalReply.isGrpc(exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE)),
                exchange.grpcStatusInHeaders);
        services.stats().countResponse(exchange.facts().statPrefix(), outcome.responseCode());
        end(exchange, exchange.responseHeaderBytes + outcome.bytesSent());
        if (exchange.downstream().isOpen()) {
            exchange.downstream().resetResponse();
        }
    }

    /** The client went away before an answer: the request is logged and nothing is written. */
    void abandon(HttpExchange exchange) {
        end(exchange, 0);
    }

    private void end(HttpExchange exchange, long responseBytes) {
        FullHttpRequest request = exchange.request();
        if (request.refCnt() > 0) {
            request.release();
        }
        long endNanos = services.ticker().read();
        exchange.outcome().ended(Math.max(0, (endNanos - exchange.facts().startNanos()) / 1_000_000));
        services.accessLog().append(entry(exchange));
        services.tracing().finish(exchange, endNanos);
        HttpFilterChain chain = exchange.listener().filters();
        for (int i = 0; i < chain.size(); i++) {
            if (chain.enabledFor(i, exchange.route())) {
                chain.filter(i).onComplete(exchange, responseBytes);
            }
        }
    }

    private static AccessLogEntry entry(HttpExchange exchange) {
        RequestFacts f = exchange.facts();
        Outcome o = exchange.outcome();
        RouteDecision d = exchange.decision();
        return AccessLogEntry.builder()
                .startTime(f.startTime())
                .method(f.method())
                .path(f.path())
                .protocol(f.protocol())
                .responseCode(o.responseCode())
                .responseFlags(o.flagsText())
                .responseCodeDetails(o.details())
                .upstreamTransportFailureReason(o.transportFailure())
                .bytesReceived(f.bytesReceived())
                .bytesSent(o.bytesSent())
                .durationMs(o.durationMs())
                .upstreamServiceTime(o.upstreamServiceTime())
                .xForwardedFor(f.forwardedFor())
                .userAgent(f.userAgent())
                .requestId(f.requestId())
                .authority(f.authority())
                .upstreamHost(o.upstreamHost())
                .upstreamCluster(d instanceof RouteDecision.Forward forward ? forward.cluster() : null)
                .upstreamLocalAddress(o.upstreamLocalAddress())
                .downstreamLocalAddress(f.downstreamLocal())
                .downstreamRemoteAddress(f.downstreamRemote())
                .routeName(d.route() == null ? null : d.route().name())
                .requestedServerName(f.connection().requestedServerName())
                .downstreamPeerUriSan(f.connection().peerPrincipal())
                .direction(f.directionText())
                .listener(f.listener())
                .grpcStatus(o.grpcStatus())
                .build();
    }

    private RequestFacts facts(
            Downstream downstream, FullHttpRequest request, ResolvedListener listener, String requestId) {
        HttpHeaders h = request.headers();
        String path = h.contains(HeaderPolicy.ORIGINAL_PATH) ? h.get(HeaderPolicy.ORIGINAL_PATH) : request.uri();
        return new RequestFacts(
                services.clock().instant(),
                services.ticker().read(),
                requestId,
                RandomSource.requestKey(requestId),
                request.method().name(),
                path,
                Http2Messages.protocolText(request.protocolVersion()),
                h.get(HttpHeaderNames.HOST),
                h.get(HttpHeaderNames.USER_AGENT),
                h.get(HeaderPolicy.FORWARDED_FOR),
                request.content().readableBytes(),
                MetricsSizes.headerBytes(h) + request.uri().length() + 16,
                downstream.localAddressText(),
                downstream.remoteAddressText(),
                listener.listenerName(),
                listener.direction(),
                listener.hcm() == null ? null : listener.hcm().statPrefix(),
                downstream.security());
    }

    /**
     * Envoy's {@code forward_client_cert_details}: Istio's inbound chains append this connection's element (By, Hash,
     * Subject, URI) on mutual TLS; Envoy's default removes whatever the client sent.
     */
    static void forwardClientCert(HcmSpec hcm, ConnectionSecurity connection, HttpHeaders h) {
        String element = connection.mutualTls() ? connection.xfccElement() : null;
        switch (hcm.forwardClientCert()) {
            case SANITIZE -> h.remove(HeaderPolicy.FORWARDED_CLIENT_CERT);
            case FORWARD_ONLY -> {}
            case APPEND_FORWARD -> {
                if (element != null) {
                    String previous = h.get(HeaderPolicy.FORWARDED_CLIENT_CERT);
                    h.set(HeaderPolicy.FORWARDED_CLIENT_CERT, previous == null ? element : previous + "," + element);
                }
            }
            case SANITIZE_SET -> {
                h.remove(HeaderPolicy.FORWARDED_CLIENT_CERT);
                if (element != null) {
                    h.set(HeaderPolicy.FORWARDED_CLIENT_CERT, element);
                }
            }
        }
    }

    /** The request's {@code x-request-id}, made and set when the client sent none, as Envoy's connection manager. */
    private String requestId(HttpHeaders h) {
        String requestId = h.get(HeaderPolicy.REQUEST_ID);
        if (requestId == null || requestId.isEmpty()) {
            var random = services.random().shared();
            long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
            long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            requestId = new UUID(msb, lsb).toString();
            h.set(HeaderPolicy.REQUEST_ID, requestId);
        }
        return requestId;
    }

    /** The router's view of the request, reading its headers where they are (Netty's lookup ignores case). */
    static RequestView view(FullHttpRequest request) {
        HttpHeaders h = request.headers();
        return RequestView.over(request.method().name(), h.get(HttpHeaderNames.HOST), request.uri(), name -> {
            List<String> all = h.getAll(name);
            return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join(",", all);
        });
    }
}
