package dev.meshbox.proxy.router;

import dev.meshbox.proxy.cluster.OutlierDetector;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.ConnectionPool;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.ResourceLimits;
import dev.meshbox.proxy.endpoint.ResponseListener;
import dev.meshbox.proxy.endpoint.UpstreamConnection;
import dev.meshbox.proxy.http.Downstream;
import dev.meshbox.proxy.http.HeaderPolicy;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.http.Outcome;
import dev.meshbox.proxy.http.ResponseFlag;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.RetryPolicy;
import dev.meshbox.proxy.route.RouteAction;
import dev.meshbox.proxy.tls.TlsFailures;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The router filter's work for one request: pick a host, get a connection from its pool on this event loop,
 * send, and apply the route's timeout and retry policy, the retry circuit breaker and outlier reporting. All
 * state lives on the downstream event loop, which is also the loop of every pool and connection used here.
 */
final class UpstreamCall implements ResponseListener, ConnectionPool.Callbacks {

    /**
     * What goes upstream: the rewritten path, the upstream request's headers (the downstream request's, edited in
     * place), the route's action, the timeout in effect, and the consistent-hashing key.
     */
    record Request(String uri, HttpHeaders headers, RouteAction.Forward action, long timeoutMs, RequestHash.Key key) {}

    private final HttpExchange exchange;
    private final Downstream ds;
    private final EventLoop loop;
    private final Request upstream;
    private final RetryPolicy retry;
    private final UpstreamCluster cluster;
    private final RouterFilter router;
    private final Outcome outcome;
    /** Hosts already tried, kept only when the retry policy avoids them. */
    private Set<Host> tried = Set.of();

    private int attempts;
    private int retriesUsed;
    private boolean done;
    private boolean staleRetryUsed;
    private boolean retryHeld;
    /** The response's headers went downstream; its body is streaming. */
    private boolean streaming;

    private Host host;
    private ConnectionPool.Pending pending;
    private UpstreamConnection connection;
    private long attemptStart;
    private ScheduledFuture<?> globalTimer;
    private ScheduledFuture<?> perTryTimer;

    UpstreamCall(HttpExchange exchange, Request upstream, UpstreamCluster cluster, RouterFilter router) {
        this.exchange = exchange;
        this.ds = exchange.downstream();
        this.loop = ds.eventLoop();
        this.upstream = upstream;
        this.retry = upstream.action().retry();
        this.cluster = cluster;
        this.router = router;
        this.outcome = exchange.outcome();
    }

    void start() {
        if (upstream.timeoutMs() > 0) {
            globalTimer = loop.schedule(this::onGlobalTimeout, upstream.timeoutMs(), TimeUnit.MILLISECONDS);
        }
        ds.onClose(this::onDownstreamClosed);
        attempt();
    }

    private void attempt() {
        if (done) {
            return;
        }
        Host picked = cluster.pick(
                exchange.random(RandomSource.Decision.HOST, attempts),
                upstream.key().hash(),
                retry.avoidPreviousHosts() ? tried : Set.of(),
                retry.hostSelectionMaxAttempts());
        if (picked == null) {
            cluster.stats().upstreamCxNoneHealthy.increment();
            finishLocal(LocalReply.noHealthyUpstream());
            return;
        }
        attempts++;
        if (retry.avoidPreviousHosts()) {
            // Most calls make one attempt: an immutable one-element set then, a mutable one only on a retry.
            if (tried.isEmpty()) {
                tried = Set.of(picked);
            } else {
                Set<Host> more = new HashSet<>(tried);
                more.add(picked);
                tried = more;
            }
        }
        host = picked;
        outcome.upstream(picked);
        pending = picked.pool(loop).newStream(this);
    }

    @Override
    public void onReady(UpstreamConnection conn) {
        pending = null;
        if (done || host == null) {
            conn.release(true);
            return;
        }
        host.requestStarted();
        cluster.stats().upstreamRqActive.increment();
        connection = conn;
        attemptStart = router.ticker().read();
        outcome.upstreamLocalAddress(conn.localAddressText());
        if (!retry.perTryTimeout().isZero()) {
            perTryTimer =
                    loop.schedule(this::onPerTryTimeout, retry.perTryTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        // The headers are encoded during the write, on this loop, so each attempt can set its count on the same ones.
        if (!router.suppressEnvoyHeaders()) {
            upstream.headers().set(HeaderPolicy.ATTEMPT_COUNT, attempts);
        }
        FullHttpRequest request = exchange.request();
        FullHttpRequest out = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                request.method(),
                upstream.uri(),
                request.content().retainedDuplicate(),
                upstream.headers(),
                EmptyHttpHeaders.INSTANCE);
        conn.send(out, this);
    }

    @Override
    public void onFailure(ConnectionPool.Failure failure, Throwable cause) {
        pending = null;
        if (done) {
            return;
        }
        Host failed = host;
        host = null;
        switch (failure) {
            case OVERFLOW -> finishLocal(LocalReply.overflow());
            case CLOSED -> finishLocal(LocalReply.connectFailure());
            case CONNECT_FAILURE -> {
                TlsFailures.Failure tls = TlsFailures.of(cause);
                if (tls != null) {
                    onTlsFailure(failed, tls);
                    return;
                }
                outcome.transportFailure(
                        cause == null
                                ? null
                                : String.valueOf(cause.getMessage()).replace(' ', '_'));
                failed.stats().rqError.increment();
                cluster.outlier().putLocalOrigin(failed, OutlierDetector.LocalOrigin.CONNECT_FAILED);
                if (retry.retriesConnectFailure() && tryRetry()) {
                    return;
                }
                finishLocal(LocalReply.connectFailure());
            }
            default -> throw new IllegalStateException("unexpected pool failure " + failure);
        }
    }

    /**
     * A failed upstream TLS handshake as Envoy reports it: the peer closing mid-handshake is a connection termination
     * (UC, as a plaintext server that hangs up on a ClientHello); a handshake refused on what the peer sent is a
     * connection failure (UF) whose transport failure reason is BoringSSL's error.
     */
    private void onTlsFailure(Host failed, TlsFailures.Failure tls) {
        failed.stats().rqError.increment();
        if (tls.terminated()) {
            cluster.outlier().putLocalOrigin(failed, OutlierDetector.LocalOrigin.RESET);
            if (retry.retriesReset() && tryRetry()) {
                return;
            }
            finishLocal(LocalReply.reset());
            return;
        }
        outcome.transportFailure(tls.transportFailureReason().replace(' ', '_'));
        cluster.outlier().putLocalOrigin(failed, OutlierDetector.LocalOrigin.CONNECT_FAILED);
        if (retry.retriesConnectFailure() && tryRetry()) {
            return;
        }
        finishLocal(LocalReply.connectFailure(tls.transportFailureReason()));
    }

    @Override
    public void onResponse(UpstreamConnection conn, FullHttpResponse response) {
        handleResponse(conn, response);
    }

    @Override
    public void onReset(UpstreamConnection conn, Throwable cause) {
        handleReset(conn);
    }

    /**
     * Streams a gRPC response to an HTTP/2 client as Envoy's router does once the upstream's headers came and no
     * retry will follow (the retry policy reads {@code grpc-status} only from headers, a trailers-only answer, which
     * is never streamed): the headers go out now, each message as it arrives, the trailers at the end.
     */
    @Override
    public boolean streams(UpstreamConnection conn, HttpResponse head) {
        if (done
                || conn != connection
                || head.status().code() != 200
                || head.headers().contains(HeaderPolicy.GRPC_STATUS)
                || retry.retriesStatus(200)
                || !exchange.downstream().streamsResponses()
                || !LocalReply.isGrpc(exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            return false;
        }
        long serviceMs = (router.ticker().read() - attemptStart) / 1_000_000;
        cluster.stats().countStatus(200);
        host.stats().rqSuccess.increment();
        cluster.outlier().putHttpStatus(host, 200);
        if (retriesUsed > 0) {
            cluster.stats().upstreamRqRetrySuccess.increment();
        }
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
            perTryTimer = null;
        }
        streaming = true;
        HeaderPolicy.stripHopByHop(head.headers());
        if (!router.suppressEnvoyHeaders()) {
            head.headers().set(HeaderPolicy.UPSTREAM_SERVICE_TIME, serviceMs);
        }
        if (upstream.key().setCookie() != null) {
            head.headers().add(HttpHeaderNames.SET_COOKIE, upstream.key().setCookie());
        }
        outcome.upstreamServiceTime(Long.toString(serviceMs));
        exchange.respondHeaders(head);
        return true;
    }

    @Override
    public void onResponseData(UpstreamConnection conn, HttpContent content) {
        if (done || conn != connection) {
            content.release();
            return;
        }
        exchange.respondData(content);
    }

    @Override
    public void onResponseEnd(UpstreamConnection conn, LastHttpContent last) {
        if (done || conn != connection) {
            last.release();
            conn.release(true);
            return;
        }
        endAttempt();
        conn.release(true);
        finish();
        exchange.respondEnd(last);
    }

    /** The upstream's response stopped midway (reset, timeout): the client's stream is reset, Envoy's flag UR/UT. */
    private void endStreaming(ResponseFlag flag, String details) {
        endAttempt();
        finish();
        exchange.resetResponse(flag, details);
    }

    private void handleResponse(UpstreamConnection conn, FullHttpResponse response) {
        boolean reusable = HttpUtil.isKeepAlive(response);
        if (done || conn != connection) {
            response.release();
            conn.release(reusable);
            return;
        }
        long serviceMs = (router.ticker().read() - attemptStart) / 1_000_000;
        int status = response.status().code();
        cluster.stats().countStatus(status);
        Host attemptHost = host;
        endAttempt();
        conn.release(reusable);
        if (status >= 500) {
            attemptHost.stats().rqError.increment();
        } else {
            attemptHost.stats().rqSuccess.increment();
        }
        cluster.outlier().putHttpStatus(attemptHost, status);
        if ((retry.retriesStatus(status)
                        || retry.retriesGrpcStatus(response.headers().get(HeaderPolicy.GRPC_STATUS)))
                && tryRetry()) {
            response.release();
            return;
        }
        if (retriesUsed > 0) {
            cluster.stats().upstreamRqRetrySuccess.increment();
        }
        finishUpstream(response, serviceMs);
    }

    private void handleReset(UpstreamConnection conn) {
        if (done || conn != connection) {
            return;
        }
        if (streaming) {
            host.stats().rqError.increment();
            endStreaming(ResponseFlag.UR, "upstream_reset_after_response_started{remote_reset}");
            return;
        }
        boolean stale = conn.reused() && !staleRetryUsed;
        Host attemptHost = host;
        attemptHost.stats().rqError.increment();
        endAttempt();
        if (stale) {
            // An idle keep-alive connection the upstream had already closed: try once more on a fresh one.
            staleRetryUsed = true;
            attempts--;
            attempt();
            return;
        }
        cluster.outlier().putLocalOrigin(attemptHost, OutlierDetector.LocalOrigin.RESET);
        if (retry.retriesReset() && tryRetry()) {
            return;
        }
        finishLocal(LocalReply.reset());
    }

    private void onPerTryTimeout() {
        if (done || connection == null) {
            return;
        }
        cluster.stats().upstreamRqPerTryTimeout.increment();
        host.stats().rqTimeout.increment();
        cluster.outlier().putLocalOrigin(host, OutlierDetector.LocalOrigin.TIMEOUT);
        connection.abort();
        endAttempt();
        if (retry.retriesReset() && tryRetry()) {
            return;
        }
        finishLocal(LocalReply.timeout("upstream_per_try_timeout"));
    }

    private void onGlobalTimeout() {
        if (done) {
            return;
        }
        cluster.stats().upstreamRqTimeout.increment();
        if (streaming) {
            if (connection != null) {
                connection.abort();
            }
            endStreaming(ResponseFlag.UT, "response_timeout");
            return;
        }
        if (connection != null) {
            host.stats().rqTimeout.increment();
            cluster.outlier().putLocalOrigin(host, OutlierDetector.LocalOrigin.TIMEOUT);
            connection.abort();
        }
        endAttempt();
        finishLocal(LocalReply.timeout("response_timeout"));
    }

    private void onDownstreamClosed() {
        if (done) {
            return;
        }
        if (connection != null) {
            connection.abort();
        }
        endAttempt();
        finish();
        exchange.abandon("downstream_remote_disconnect");
    }

    /**
     * Envoy's retry decision once the policy says "retry": the retry budget of the route, then the cluster's retry
     * circuit breaker (overflow: no retry, flag UO). Returns whether a retry was scheduled.
     */
    private boolean tryRetry() {
        if (retriesUsed >= retry.numRetries()) {
            cluster.stats().upstreamRqRetryLimitExceeded.increment();
            outcome.addFlag(ResponseFlag.URX);
            return false;
        }
        ResourceLimits.Resource retries = cluster.limits().retries();
        releaseRetry();
        if (!retries.canCreate()) {
            cluster.stats().upstreamRqRetryOverflow.increment();
            outcome.addFlag(ResponseFlag.UO);
            return false;
        }
        retries.inc();
        retryHeld = true;
        retriesUsed++;
        cluster.stats().upstreamRqRetry.increment();
        long ceiling = Math.min(
                retry.maxInterval().toNanos(), retry.baseInterval().toNanos() * (1L << Math.min(20, retriesUsed - 1)));
        long delay = ceiling <= 0
                ? 0
                : exchange.random(RandomSource.Decision.RETRY_BACKOFF, retriesUsed)
                        .nextLong(ceiling);
        loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
        return true;
    }

    private void releaseRetry() {
        if (retryHeld) {
            cluster.limits().retries().dec();
            retryHeld = false;
        }
    }

    private void endAttempt() {
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
            perTryTimer = null;
        }
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        if (host != null && connection != null) {
            host.requestFinished();
            cluster.stats().upstreamRqActive.decrement();
        }
        host = null;
        connection = null;
    }

    private void finish() {
        done = true;
        releaseRetry();
        if (globalTimer != null) {
            globalTimer.cancel(false);
        }
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
        }
    }

    private void finishLocal(LocalReply reply) {
        endAttempt();
        finish();
        exchange.sendLocalReply(reply);
    }

    private void finishUpstream(FullHttpResponse response, long serviceMs) {
        finish();
        // The upstream's response goes downstream as it is, its headers edited in place. It is written with a
        // Content-Length (chunked encoding is hop-by-hop and stripped), so trailers it may carry are not sent.
        FullHttpResponse out = response.setProtocolVersion(HttpVersion.HTTP_1_1);
        HeaderPolicy.stripHopByHop(out.headers());
        if (!router.suppressEnvoyHeaders()) {
            out.headers().set(HeaderPolicy.UPSTREAM_SERVICE_TIME, serviceMs);
        }
        if (upstream.key().setCookie() != null) {
            out.headers().add(HttpHeaderNames.SET_COOKIE, upstream.key().setCookie());
        }
        outcome.upstreamServiceTime(Long.toString(serviceMs));
        exchange.respond(out);
    }
}
