package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.FilterStateKey;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.CorsPolicy;
import dev.meshbox.proxy.route.FaultPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * {@code envoy.filters.http.cors}, as Envoy's {@code cors_filter.cc}: with a route's {@link CorsPolicy}, a request
 * from an allowed origin is a CORS request. An allowed preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) is answered here with 200 and the policy's {@code Access-Control-Allow-*}
 * headers; a preflight from another origin goes upstream unless the policy stops forwarding such preflights, in which
 * case it is answered with 200 and no CORS headers. Answers to allowed actual requests carry
 * {@code Access-Control-Allow-Origin}, {@code -Allow-Credentials} and {@code -Expose-Headers}; a disallowed origin gets
 * none.
 */
public final class CorsFilter implements HttpFilter {

    /** The policy and the allowed origin of a CORS request (origin null when not allowed). */
    private record CorsRequest(CorsPolicy policy, String allowedOrigin) {}

    private static final FilterStateKey<CorsRequest> CORS_REQUEST =
            new FilterStateKey<>("envoy.filters.http.cors", CorsRequest.class);
    private static final String REQUEST_METHOD = "access-control-request-method";
    private static final String REQUEST_HEADERS = "access-control-request-headers";
    private static final String REQUEST_PRIVATE_NETWORK = "access-control-request-private-network";

    private final String name;

    public CorsFilter(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        if (!(exchange.routeConfig(name) instanceof CorsPolicy policy)) {
            return Status.CONTINUE;
        }
        boolean enabled = drawn(exchange, policy.enabledPerMillion(), 0);
        boolean shadow = drawn(exchange, policy.shadowPerMillion(), 1);
        HttpHeaders headers = exchange.request().headers();
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if ((!enabled && !shadow) || origin == null || origin.isEmpty()) {
            return Status.CONTINUE;
        }
        boolean allowed = policy.allowsOrigin(origin);
        if (!enabled) {
            return Status.CONTINUE;
        }
        exchange.filterState(CORS_REQUEST, new CorsRequest(policy, allowed ? origin : null));
        String requestedMethod = headers.get(REQUEST_METHOD);
        if (!exchange.request().method().name().equals("OPTIONS")
                || requestedMethod == null
                || requestedMethod.isEmpty()) {
            return Status.CONTINUE;
        }
        if (!allowed && policy.forwardsNotMatchingPreflights()) {
            return Status.CONTINUE;
        }
        exchange.outcome().details("cors_response");
        exchange.respond(preflight(policy, allowed ? origin : null, requestedMethod, headers));
        return Status.STOP;
    }

    private static FullHttpResponse preflight(
            CorsPolicy policy, String allowedOrigin, String requestedMethod, HttpHeaders request) {
        FullHttpResponse response = LocalReply.direct(200, "").toResponse(ByteBufAllocator.DEFAULT);
        HttpHeaders out = response.headers();
        if (allowedOrigin != null) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
        }
        if (policy.credentialsAllowed()) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (!policy.allowMethods().isEmpty()) {
            out.set(
                    HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
                    policy.allowMethods().equals("*") ? requestedMethod : policy.allowMethods());
        }
        if (!policy.allowHeaders().isEmpty()) {
            String requested = request.get(REQUEST_HEADERS);
            out.set(
                    HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS,
                    policy.allowHeaders().equals("*") ? (requested == null ? "" : requested) : policy.allowHeaders());
        }
        if (!policy.maxAge().isEmpty()) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, policy.maxAge());
        }
        if (policy.privateNetworkAccessAllowed() && "true".equals(request.get(REQUEST_PRIVATE_NETWORK))) {
            out.set("access-control-allow-private-network", "true");
        }
        return response;
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpHeaders headers) {
        CorsRequest cors = exchange.filterState(CORS_REQUEST);
        if (cors == null || cors.allowedOrigin() == null) {
            return;
        }
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, cors.allowedOrigin());
        if (cors.policy().credentialsAllowed()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (!cors.policy().exposeHeaders().isEmpty()) {
            headers.set(
                    HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, cors.policy().exposeHeaders());
        }
    }

    /** Envoy's runtime fraction: all or nothing without a draw, else one of the request's random decisions. */
    private static boolean drawn(HttpExchange exchange, int perMillion, int index) {
        if (perMillion >= FaultPolicy.MILLION) {
            return true;
        }
        return perMillion > 0
                && exchange.random(RandomSource.Decision.CORS, index).nextInt(FaultPolicy.MILLION) < perMillion;
    }
}
