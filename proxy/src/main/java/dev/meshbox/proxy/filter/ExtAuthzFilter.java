package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.ConnectionPool;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.ResponseListener;
import dev.meshbox.proxy.endpoint.UpstreamConnection;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.http.ResponseFlag;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.StringMatch;
import dev.meshbox.proxy.spec.ExtAuthzConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code envoy.filters.http.ext_authz} with an HTTP service, as Envoy's: when enabled for the request (Istio: a CUSTOM
 * rule matched, which the shadow RBAC filter left in its metadata), it sends the authorizer a check request with the
 * request's method, the path prefix plus the request's path, its Host and the allowed headers, and no body. A 200
 * lets the request on with the allowed upstream headers added; any other status is the client's answer, with the
 * authorizer's body and allowed client headers, flag UAEX and details {@code ext_authz_denied}. An authorizer that
 * cannot be reached, or does not answer within the timeout, gives {@code status_on_error} (403) with
 * {@code ext_authz_error}, unless {@code failure_mode_allow}.
 */
public final class ExtAuthzFilter implements HttpFilter {

    private static final dev.meshbox.proxy.http.FilterStateKey<FullHttpResponse> ALLOWED =
            new dev.meshbox.proxy.http.FilterStateKey<>("ext_authz.allowed", FullHttpResponse.class);

    private final String name;
    private final ExtAuthzConfig config;

    public ExtAuthzFilter(String name, ExtAuthzConfig config) {
        this.name = name;
        this.config = config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        if (!enabled(exchange)) {
            return Status.CONTINUE;
        }
        UpstreamCluster cluster = exchange.clusters().cluster(config.cluster());
        Host host =
                cluster == null ? null : cluster.pick(exchange.random(RandomSource.Decision.HOST, 900), Set.of(), 1);
        if (host == null) {
            return error(exchange);
        }
        FullHttpRequest check = checkRequest(exchange);
        var loop = exchange.downstream().eventLoop();
        boolean[] finished = {false};
        ScheduledFuture<?> timeout = loop.schedule(
                () -> {
                    if (!finished[0]) {
                        finished[0] = true;
                        resume(exchange, error(exchange));
                    }
                },
                Math.max(1, config.timeout().toMillis()),
                TimeUnit.MILLISECONDS);
        host.pool(loop).newStream(new ConnectionPool.Callbacks() {
            @Override
            public void onReady(UpstreamConnection connection) {
                host.requestStarted();
                connection.send(check, new ResponseListener() {
                    @Override
                    public void onResponse(UpstreamConnection c, FullHttpResponse response) {
                        host.requestFinished();
                        c.release(HttpUtil.isKeepAlive(response));
                        timeout.cancel(false);
                        if (finished[0]) {
                            response.release();
                            return;
                        }
                        finished[0] = true;
                        try {
                            resume(exchange, decide(exchange, response));
                        } finally {
                            response.release();
                        }
                    }

                    @Override
                    public void onReset(UpstreamConnection c, Throwable cause) {
                        host.requestFinished();
                        failed();
                    }
                });
            }

            @Override
            public void onFailure(ConnectionPool.Failure failure, Throwable cause) {
                check.release();
                failed();
            }

            private void failed() {
                timeout.cancel(false);
                if (!finished[0]) {
                    finished[0] = true;
                    resume(exchange, error(exchange));
                }
            }
        });
        return Status.STOP;
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpHeaders headers) {
        FullHttpResponse allowed = exchange.filterState(ALLOWED);
        if (allowed != null) {
            copy(allowed.headers(), headers, config.clientHeadersOnSuccess(), true);
        }
    }

    private static void resume(HttpExchange exchange, Status status) {
        if (status == Status.CONTINUE && !exchange.isDone()) {
            exchange.continueDecoding();
        }
    }

    /** Whether the RBAC filter's metadata carries the key with the prefix this filter is enabled by. */
    private boolean enabled(HttpExchange exchange) {
        if (config.enabledMetadataKey().isEmpty()) {
            return true;
        }
        RbacFilter.Metadata m = exchange.filterState(RbacFilter.METADATA);
        String value = m == null ? null : m.values().get(config.enabledMetadataKey());
        return value != null && value.startsWith(config.enabledMetadataPrefix());
    }

    private FullHttpRequest checkRequest(HttpExchange exchange) {
        FullHttpRequest original = exchange.request();
        FullHttpRequest check = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, original.method(), config.pathPrefix() + original.uri(), Unpooled.EMPTY_BUFFER);
        String authority = original.headers().get(HttpHeaderNames.HOST);
        check.headers().set(HttpHeaderNames.HOST, authority == null ? config.host() : authority);
        copy(original.headers(), check.headers(), config.allowedHeaders(), false);
        check.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return check;
    }

    /** The authorizer's answer: 200 lets the request on, anything else is what the client gets. */
    private Status decide(HttpExchange exchange, FullHttpResponse response) {
        if (response.status().code() == 200) {
            copy(response.headers(), exchange.request().headers(), config.upstreamHeaders(), true);
            exchange.filterState(
                    ALLOWED,
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.OK,
                            Unpooled.EMPTY_BUFFER,
                            response.headers().copy(),
                            io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
            return Status.CONTINUE;
        }
        int status = response.status().code() < 400 ? 403 : response.status().code();
        FullHttpResponse denied = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                response.content().retainedDuplicate());
        copy(response.headers(), denied.headers(), config.clientHeaders(), true);
        denied.headers().set(HttpHeaderNames.CONTENT_LENGTH, denied.content().readableBytes());
        exchange.outcome().addFlag(ResponseFlag.UAEX);
        exchange.outcome().details("ext_authz_denied");
        exchange.respond(denied);
        return Status.STOP;
    }

    private Status error(HttpExchange exchange) {
        if (config.failureModeAllow()) {
            return Status.CONTINUE;
        }
        if (!exchange.isDone()) {
            exchange.sendLocalReply(new LocalReply(config.statusOnError(), "", ResponseFlag.UAEX, "ext_authz_error"));
        }
        return Status.STOP;
    }

    private static void copy(HttpHeaders from, HttpHeaders to, List<StringMatch> allowed, boolean replace) {
        for (Map.Entry<String, String> h : from) {
            String lower = h.getKey().toLowerCase(java.util.Locale.ROOT);
            if (allowed.stream().anyMatch(m -> m.matches(lower))) {
                if (replace) {
                    to.set(h.getKey(), h.getValue());
                } else {
                    to.add(h.getKey(), h.getValue());
                }
            }
        }
    }
}
