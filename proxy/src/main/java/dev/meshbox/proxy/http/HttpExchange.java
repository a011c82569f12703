package dev.meshbox.proxy.http;

import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.HeaderMutations;
import dev.meshbox.proxy.route.RequestView;
import dev.meshbox.proxy.route.Route;
import dev.meshbox.proxy.route.RouteDecision;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One request on its way through a connection manager's filters (Envoy's stream and its callbacks): its fixed
 * {@link RequestFacts}, the route decided once on arrival from the listener's snapshot, the {@link Outcome} filters
 * fill in, and their filter state. It owns the Netty request until the exchange ends. Confined to the request's
 * event loop.
 */
public final class HttpExchange {

    private static final Object[] NO_STATE = new Object[0];

    private final HttpConnectionManager manager;
    private final RequestFacts facts;
    private final FullHttpRequest request;
    private final RequestView view;
    private final Downstream downstream;
    private final ResolvedListener listener;
    private final RouteDecision decision;
    private final List<HeaderMutations> headerMutations;
    private final Outcome outcome = new Outcome();
    /** Filter state as key, value, key, value...: a few entries at most, so a scan beats a map. */
    private Object[] filterState = NO_STATE;

    int nextFilter;
    private boolean done;
    private boolean responseStarted;
    /** A streamed response's header bytes and {@code grpc-status} header, for its log line at the end. */
    long responseHeaderBytes;

    String grpcStatusInHeaders;

    HttpExchange(
            HttpConnectionManager manager,
            RequestFacts facts,
            FullHttpRequest request,
            RequestView view,
            Downstream downstream,
            ResolvedListener listener,
            RouteDecision decision) {
        this.manager = manager;
        this.facts = facts;
        this.request = request;
        this.view = view;
        this.downstream = downstream;
        this.listener = listener;
        this.decision = decision;
        this.headerMutations = headerMutations(decision);
    }

    public RequestFacts facts() {
        return facts;
    }

    /** The request as received, headers edited in place as the filters prepare the upstream request. */
    public FullHttpRequest request() {
        return request;
    }

    /** The router's read-only view of the request as it arrived. */
    public RequestView view() {
        return view;
    }

    public Downstream downstream() {
        return downstream;
    }

    public ResolvedListener listener() {
        return listener;
    }

    public ClusterLookup clusters() {
        return listener.clusters();
    }

    public RouteDecision decision() {
        return decision;
    }

    /** The matched route, or null when none matched. */
    public Route route() {
        return decision.route();
    }

    /**
     * The header mutations of the picked weighted cluster and of the route, in the order Envoy applies them (the
     * weighted cluster's first); empty when no route matched.
     */
    public List<HeaderMutations> headerMutations() {
        return headerMutations;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The route's config for filter {@code filterName}, or null when the route leaves the filter at its default. */
    public FilterConfig routeConfig(String filterName) {
        Route route = route();
        return route == null ? null : route.filterConfig(filterName);
    }

    /** The generator for one random decision of this request (replayable with an explicit seed). */
    public RandomGenerator random(RandomSource.Decision kind, int index) {
        return manager.random().forRequest(facts.requestKey(), kind, index);
    }

    public <T> T filterState(FilterStateKey<T> key) {
        for (int i = 0; i < filterState.length; i += 2) {
            if (filterState[i] == key) {
                return key.cast(filterState[i + 1]);
            }
        }
        return null;
    }

    public <T> void filterState(FilterStateKey<T> key, T value) {
        for (int i = 0; i < filterState.length; i += 2) {
            if (filterState[i] == key) {
                filterState[i + 1] = value;
                return;
            }
        }
        Object[] grown = Arrays.copyOf(filterState, filterState.length + 2);
        grown[filterState.length] = key;
        grown[filterState.length + 1] = value;
        filterState = grown;
    }

    /** Whether the request is over: answered, or abandoned because the client went away. */
    public boolean isDone() {
        return done;
    }

    /** Resumes the filter chain after the filter that stopped it. */
    public void continueDecoding() {
        manager.decode(this);
    }

    /** Answers with a response the proxy makes itself (Envoy's {@code sendLocalReply}). */
    public void sendLocalReply(LocalReply reply) {
        if (reply.flag() != null) {
            outcome.addFlag(reply.flag());
        }
        outcome.details(reply.details());
        respond(reply.toResponse(
                io.netty.buffer.ByteBufAllocator.DEFAULT,
                LocalReply.isGrpc(request.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE))));
    }

    /** Answers with {@code response} (ownership passes): the upstream's, or one a filter made. */
    public void respond(FullHttpResponse response) {
        if (done) {
            response.release();
            return;
        }
        done = true;
        manager.complete(this, response);
    }

    /**
     * Starts answering with the upstream's response headers, its body and end to follow ({@link #respondData},
     * {@link #respondEnd}); false (nothing taken) when the exchange is over or its client cannot take a response in
     * pieces. Ownership of {@code head} passes when true.
     */
    public boolean respondHeaders(HttpResponse head) {
        if (done || responseStarted || !downstream.streamsResponses()) {
            return false;
        }
        responseStarted = true;
        manager.completeHeaders(this, head);
        return true;
    }

    /** Whether the response's headers went out already, its body still streaming. */
    public boolean responseStarted() {
        return responseStarted;
    }

    /** A piece of the streamed response's body (ownership passes). */
    public void respondData(HttpContent content) {
        if (done || !responseStarted) {
            content.release();
            return;
        }
        manager.streamData(this, content);
    }

    /** The streamed response's end with its trailers (ownership passes): logged and written. */
    public void respondEnd(LastHttpContent last) {
        if (done || !responseStarted) {
            last.release();
            return;
        }
        done = true;
        manager.completeStream(this, last);
    }

    /**
     * The streamed response cannot finish (the upstream reset it, the route's timeout): the client's stream is reset,
     * and the request logged with {@code flag} and {@code details}.
     */
    public void resetResponse(ResponseFlag flag, String details) {
        if (done || !responseStarted) {
            return;
        }
        done = true;
        outcome.addFlag(flag);
        outcome.details(details);
        manager.resetStream(this);
    }

    /** The client went away before an answer: flag DC, log, write nothing. */
    public void abandon(String details) {
        if (done) {
            return;
        }
        done = true;
        outcome.addFlag(ResponseFlag.DC);
        outcome.details(details);
        manager.abandon(this);
    }

    private static List<HeaderMutations> headerMutations(RouteDecision decision) {
        Route route = decision.route();
        if (route == null) {
            return List.of();
        }
        HeaderMutations routeLevel = route.headers();
        HeaderMutations clusterLevel = HeaderMutations.NONE;
        if (decision instanceof RouteDecision.Forward f && f.action().weighted() != null) {
            clusterLevel = f.action().weighted().headersOf(f.cluster());
        }
        if (clusterLevel.isEmpty()) {
            return routeLevel.isEmpty() ? List.of() : List.of(routeLevel);
        }
        return List.of(clusterLevel, routeLevel);
    }
}
