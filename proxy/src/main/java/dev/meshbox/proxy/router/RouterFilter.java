package dev.meshbox.proxy.router;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.http.HeaderPolicy;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.HeaderMutations;
import dev.meshbox.proxy.route.MirrorPolicy;
import dev.meshbox.proxy.route.PathRewrite;
import dev.meshbox.proxy.route.RouteAction;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.RouterFilterType;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code envoy.filters.http.router}, the terminal filter: answers what the route decided (no route, a direct
 * response, a redirect) or forwards to the route's cluster, with the route's mirrors, hash policy, timeouts and
 * retries ({@link UpstreamCall}).
 */
public final class RouterFilter implements HttpFilter {

    /** Mirrors draw their host with HOST decisions from this index on, apart from the request's own attempts. */
    private static final int MIRROR_HOST_INDEX = 1 << 20;

    private final String name;
    private final RouterFilterType.Config config;
    private final Ticker ticker;

    public RouterFilter(String name, RouterFilterType.Config config, Ticker ticker) {
        this.name = name;
        this.config = config;
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return name;
    }

    Ticker ticker() {
        return ticker;
    }

    boolean suppressEnvoyHeaders() {
        return config.suppressEnvoyHeaders();
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        RouteDecision decision = exchange.decision();
        if (decision instanceof RouteDecision.Forward forward) {
            forward(exchange, forward);
        } else if (decision instanceof RouteDecision.DirectResponse direct) {
            exchange.sendLocalReply(LocalReply.direct(direct.status(), direct.body()));
        } else if (decision instanceof RouteDecision.Redirect redirect) {
            FullHttpResponse response = LocalReply.direct(redirect.status(), "").toResponse(ByteBufAllocator.DEFAULT);
            response.headers().set(HttpHeaderNames.LOCATION, redirect.location());
            exchange.respond(response);
        } else {
            exchange.sendLocalReply(LocalReply.noRoute());
        }
        return Status.STOP;
    }

    private void forward(HttpExchange exchange, RouteDecision.Forward f) {
        UpstreamCluster cluster = exchange.clusters().cluster(f.cluster());
        if (cluster == null) {
            exchange.sendLocalReply(LocalReply.clusterNotFound(f.action().clusterNotFoundStatus()));
            return;
        }
        if (cluster.spec().type() == ClusterSpec.Type.ORIGINAL_DST) {
            InetSocketAddress destination = originalDestination(exchange);
            if (destination == null || cluster.originalDestinations() == null) {
                cluster.stats().upstreamCxNoneHealthy.increment();
                exchange.sendLocalReply(LocalReply.noHealthyUpstream());
                return;
            }
            cluster = cluster.toDestination(destination);
        }
        FullHttpRequest request = exchange.request();
        // Hashed on the request as it came in, before it becomes the upstream request in place.
        RequestHash.Key key = RequestHash.compute(
                f.action().hashPolicies(),
                exchange.view(),
                exchange.downstream().remoteAddress(),
                exchange.downstream().localAddress());
        long timeoutMs = timeoutMs(f, request.headers());
        HttpHeaders headers = upstreamHeaders(exchange, f.action(), f.cluster());
        String uri = rewrittenUri(request.uri(), f);
        boolean rewrites = f.action().prefixRewrite() != null || f.action().regexRewrite() != null;
        if (rewrites && !suppressEnvoyHeaders()) {
            // As Envoy's finalizePathHeader: once a route rewrites, the original path goes along, changed or not.
            headers.set(HeaderPolicy.ORIGINAL_PATH, request.uri());
        }
        List<MirrorPolicy> mirrors = f.action().mirrors();
        for (int i = 0; i < mirrors.size(); i++) {
            UpstreamCluster shadow = exchange.clusters().cluster(mirrors.get(i).cluster());
            if (shadow != null
                    && exchange.random(RandomSource.Decision.MIRROR, i).nextInt(1_000_000)
                            < mirrors.get(i).perMillion()) {
                Mirror.send(
                        exchange.downstream().eventLoop(),
                        shadow,
                        exchange.random(RandomSource.Decision.HOST, MIRROR_HOST_INDEX + i),
                        request,
                        uri,
                        headers);
            }
        }
        new UpstreamCall(exchange, new UpstreamCall.Request(uri, headers, f.action(), timeoutMs, key), cluster, this)
                .start();
    }

    /**
     * Where the client meant the request to go, as an original destination cluster connects: the request's Host
     * (the app names its destination there; MeshBox has no iptables to keep the dialled address), on the Host's port
     * or else the port of the listener that took the request. Null when the name does not resolve.
     */
    static InetSocketAddress originalDestination(HttpExchange exchange) {
        String authority = exchange.request().headers().get(HttpHeaderNames.HOST);
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        String host = authority;
        int port = -1;
        int close = authority.lastIndexOf(']');
        int colon = authority.lastIndexOf(':');
        if (colon > close && (close >= 0 || authority.indexOf(':') == colon)) {
            host = authority.substring(0, colon);
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 0) {
            port = listenerPort(exchange.listener().listenerName());
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        return address.isUnresolved() ? null : address;
    }

    /** The port of a virtual listener named {@code 0.0.0.0_PORT}, else 80. */
    private static int listenerPort(String listenerName) {
        int underscore = listenerName == null ? -1 : listenerName.lastIndexOf('_');
        if (underscore >= 0) {
            try {
                return Integer.parseInt(listenerName.substring(underscore + 1));
            } catch (NumberFormatException ignored) {
                // not a virtual listener's name
            }
        }
        return 80;
    }

    /**
     * The route's timeout; for a gRPC request on a route with {@code max_grpc_timeout}, its {@code grpc-timeout}
     * capped by that (none when both are absent or zero), as Envoy's {@code FilterUtility::finalTimeout}; then the one
     * the request asks for with {@code x-envoy-upstream-rq-timeout-ms}.
     */
    static long timeoutMs(RouteDecision.Forward f, HttpHeaders h) {
        long timeout = f.action().timeout().toMillis();
        java.time.Duration maxGrpc = f.action().maxGrpcTimeout();
        if (maxGrpc != null && LocalReply.isGrpc(h.get(HttpHeaderNames.CONTENT_TYPE))) {
            long max = maxGrpc.toMillis();
            long asked = grpcTimeoutMs(h.get(HeaderPolicy.GRPC_TIMEOUT));
            timeout = max != 0 && (asked == 0 || asked > max) ? max : asked;
        }
        String override = h.get(HeaderPolicy.RQ_TIMEOUT_MS);
        if (override != null) {
            try {
                return Long.parseLong(override.trim());
            } catch (NumberFormatException ignored) {
                // Envoy ignores a malformed override
            }
        }
        return timeout;
    }

    /**
     * gRPC's {@code grpc-timeout}: up to 8 digits and a unit (H, M, S, m, u, n), in milliseconds rounded up; 0 when
     * absent or malformed (Envoy then treats the call as having none).
     */
    static long grpcTimeoutMs(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return 0;
        }
        long n;
        try {
            n = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return 0;
        }
        if (n < 0) {
            return 0;
        }
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> n * 3_600_000L;
            case 'M' -> n * 60_000L;
            case 'S' -> n * 1000L;
            case 'm' -> n;
            case 'u' -> (n + 999) / 1000;
            case 'n' -> (n + 999_999) / 1_000_000;
            default -> 0;
        };
    }

    /**
     * Turns the downstream request's headers into the upstream request's, in place: the request is not used as the
     * client sent it after this (mirrors copy the result).
     */
    private static HttpHeaders upstreamHeaders(HttpExchange exchange, RouteAction.Forward action, String cluster) {
        FullHttpRequest request = exchange.request();
        HttpHeaders headers = request.headers();
        boolean hadContentLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        HeaderPolicy.stripHopByHop(headers);
        headers.remove(HeaderPolicy.RQ_TIMEOUT_MS);
        if (!headers.contains(HeaderPolicy.FORWARDED_PROTO)) {
            headers.set(HeaderPolicy.FORWARDED_PROTO, "http");
        }
        InetSocketAddress remote = exchange.downstream().remoteAddress();
        if (exchange.listener().hcm().useRemoteAddress() && remote != null) {
            String address = remote.getAddress().getHostAddress();
            String xff = headers.get(HeaderPolicy.FORWARDED_FOR);
            headers.set(HeaderPolicy.FORWARDED_FOR, xff == null || xff.isEmpty() ? address : xff + "," + address);
        }
        for (HeaderMutations m : exchange.headerMutations()) {
            HeaderPolicy.apply(m.requestAdd(), m.requestRemove(), headers);
        }
        String host = hostRewrite(action, cluster);
        if (host != null) {
            headers.set(HttpHeaderNames.HOST, host);
        }
        int length = request.content().readableBytes();
        if (length > 0 || hadContentLength) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return headers;
    }

    /** The picked weighted cluster's host rewrite, which Envoy applies after the route's, else the route's. */
    static String hostRewrite(RouteAction.Forward action, String cluster) {
        String own = action.weighted() == null ? null : action.weighted().hostRewriteOf(cluster);
        return own != null ? own : action.hostRewrite();
    }

    /** The upstream path after the route's prefix or regex rewrite, if any. */
    static String rewrittenUri(String uri, RouteDecision.Forward f) {
        return PathRewrite.apply(
                uri, f.route().match(), f.action().prefixRewrite(), f.action().regexRewrite());
    }
}
