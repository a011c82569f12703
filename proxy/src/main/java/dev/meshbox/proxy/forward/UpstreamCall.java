package dev.meshbox.proxy.forward;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.ResponseListener;
import dev.meshbox.proxy.endpoint.UpstreamConnection;
import dev.meshbox.proxy.route.RetryPolicy;
import dev.meshbox.proxy.route.RouteAction;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The router filter's work for one request: pick a host, send, and apply the route's timeout and retry
 * policy. All state lives on the downstream event loop; upstream events hop onto it.
 */
final class UpstreamCall implements ResponseListener {

  private final ProxyRuntime rt;
  private final Downstream ds;
  private final EventLoop loop;
  private final FullHttpRequest request;
  private final String uri;
  private final HttpHeaders headers;
  private final RouteAction.Forward action;
  private final RetryPolicy retry;
  private final UpstreamCluster cluster;
  private final RequestLog log;
  private final RequestProcessor processor;
  private final Set<Host> tried = new HashSet<>();

  private int attempts;
  private int retriesUsed;
  private boolean done;
  private boolean staleRetryUsed;
  private Host host;
  private UpstreamConnection connection;
  private long attemptStart;
  private ScheduledFuture<?> globalTimer;
  private ScheduledFuture<?> perTryTimer;

  UpstreamCall(ProxyRuntime rt, Downstream ds, FullHttpRequest request, String uri, HttpHeaders headers,
               RouteAction.Forward action, UpstreamCluster cluster, RequestLog log, RequestProcessor processor) {
    this.rt = rt;
    this.ds = ds;
    this.loop = ds.eventLoop();
    this.request = request;
    this.uri = uri;
    this.headers = headers;
    this.action = action;
    this.retry = action.retry();
    this.cluster = cluster;
    this.log = log;
    this.processor = processor;
  }

  void start() {
    long timeoutMs = action.timeout().toMillis();
    String override = request.headers().get(HeaderPolicy.RQ_TIMEOUT_MS);
    if (override != null) {
      try {
        timeoutMs = Long.parseLong(override.trim());
      } catch (NumberFormatException ignored) {
        // Envoy ignores a malformed override
      }
    }
    if (timeoutMs > 0) {
      globalTimer = loop.schedule(this::onGlobalTimeout, timeoutMs, TimeUnit.MILLISECONDS);
    }
    ds.onClose(this::onDownstreamClosed);
    attempt();
  }

  private void attempt() {
    if (done) {
      return;
    }
    Host picked = cluster.pick(rt.random(), retry.avoidPreviousHosts() ? tried : Set.of(),
        retry.hostSelectionMaxAttempts());
    if (picked == null) {
      cluster.stats().upstreamCxNoneHealthy.increment();
      finishLocal(LocalReply.noHealthyUpstream());
      return;
    }
    attempts++;
    tried.add(picked);
    host = picked;
    log.upstreamHost = picked.hostPort();
    picked.requestStarted();
    cluster.stats().upstreamRqTotal.increment();
    cluster.stats().upstreamRqActive.increment();
    attemptStart = rt.ticker().read();
    Host attemptHost = picked;
    picked.pool().acquire(loop, cluster.spec().connectTimeout()).addListener((Future<UpstreamConnection> f) -> {
      if (done || host != attemptHost) {
        if (f.isSuccess()) {
          f.getNow().release(true);
        }
        return;
      }
      if (f.isSuccess()) {
        send(f.getNow());
      } else {
        onConnectFailure(f.cause());
      }
    });
  }

  private void send(UpstreamConnection conn) {
    connection = conn;
    log.upstreamLocalAddress = RequestLog.address(conn.localAddress());
    if (!retry.perTryTimeout().isZero()) {
      perTryTimer = loop.schedule(this::onPerTryTimeout, retry.perTryTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    HttpHeaders attemptHeaders = headers.copy().set(HeaderPolicy.ATTEMPT_COUNT, attempts);
    FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri,
        request.content().retainedDuplicate(), attemptHeaders, EmptyHttpHeaders.INSTANCE);
    conn.send(out, this);
  }

  @Override
  public void onResponse(UpstreamConnection conn, FullHttpResponse response) {
    if (loop.inEventLoop()) {
      handleResponse(conn, response);
    } else {
      loop.execute(() -> handleResponse(conn, response));
    }
  }

  @Override
  public void onReset(UpstreamConnection conn, Throwable cause) {
    if (loop.inEventLoop()) {
      handleReset(conn);
    } else {
      loop.execute(() -> handleReset(conn));
    }
  }

  private void handleResponse(UpstreamConnection conn, FullHttpResponse response) {
    boolean reusable = HttpUtil.isKeepAlive(response);
    if (done || conn != connection) {
      response.release();
      conn.release(reusable);
      return;
    }
    long serviceMs = (rt.ticker().read() - attemptStart) / 1_000_000;
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
    if (retry.retriesStatus(status)) {
      if (retriesUsed < retry.numRetries()) {
        response.release();
        scheduleRetry();
        return;
      }
      log.flags.add(ResponseFlags.URX);
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
    boolean stale = conn.reused() && !staleRetryUsed;
    host.stats().rqError.increment();
    endAttempt();
    if (stale) {
      // An idle keep-alive connection the upstream had already closed: try once more on a fresh one.
      staleRetryUsed = true;
      attempts--;
      attempt();
      return;
    }
    if (retry.retriesReset() && retriesUsed < retry.numRetries()) {
      scheduleRetry();
      return;
    }
    if (retry.retriesReset()) {
      log.flags.add(ResponseFlags.URX);
    }
    finishLocal(LocalReply.reset());
  }

  private void onConnectFailure(Throwable cause) {
    log.transportFailure = cause == null ? null : String.valueOf(cause.getMessage()).replace(' ', '_');
    host.stats().rqError.increment();
    endAttempt();
    if (retry.retriesConnectFailure() && retriesUsed < retry.numRetries()) {
      scheduleRetry();
      return;
    }
    if (retry.retriesConnectFailure()) {
      log.flags.add(ResponseFlags.URX);
    }
    finishLocal(LocalReply.connectFailure());
  }

  private void onPerTryTimeout() {
    if (done || connection == null) {
      return;
    }
    cluster.stats().upstreamRqPerTryTimeout.increment();
    host.stats().rqTimeout.increment();
    connection.abort();
    endAttempt();
    if (retry.retriesReset() && retriesUsed < retry.numRetries()) {
      scheduleRetry();
      return;
    }
    finishLocal(LocalReply.timeout("upstream_per_try_timeout"));
  }

  private void onGlobalTimeout() {
    if (done) {
      return;
    }
    cluster.stats().upstreamRqTimeout.increment();
    if (host != null) {
      host.stats().rqTimeout.increment();
    }
    if (connection != null) {
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
    done = true;
    cancelTimers();
    log.flags.add(ResponseFlags.DC);
    log.details = "downstream_remote_disconnect";
    request.release();
    rt.accessLog().append(log.toEntry(rt.ticker().read()));
  }

  private void scheduleRetry() {
    retriesUsed++;
    cluster.stats().upstreamRqRetry.increment();
    long ceiling = Math.min(retry.maxInterval().toNanos(),
        retry.baseInterval().toNanos() * (1L << Math.min(20, retriesUsed - 1)));
    long delay = ceiling <= 0 ? 0 : rt.random().nextLong(ceiling);
    loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
  }

  private void endAttempt() {
    if (perTryTimer != null) {
      perTryTimer.cancel(false);
      perTryTimer = null;
    }
    if (host != null) {
      host.requestFinished();
      cluster.stats().upstreamRqActive.decrement();
      host = null;
    }
    connection = null;
  }

  private void cancelTimers() {
    if (globalTimer != null) {
      globalTimer.cancel(false);
    }
    if (perTryTimer != null) {
      perTryTimer.cancel(false);
    }
  }

  private void finishLocal(LocalReply reply) {
    done = true;
    cancelTimers();
    request.release();
    processor.reply(ds, log, reply);
  }

  private void finishUpstream(FullHttpResponse response, long serviceMs) {
    done = true;
    cancelTimers();
    request.release();
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(),
        response.content().retain());
    out.headers().set(response.headers());
    response.release();
    HeaderPolicy.stripHopByHop(out.headers());
    out.headers().set(HeaderPolicy.UPSTREAM_SERVICE_TIME, serviceMs);
    log.upstreamServiceTime = Long.toString(serviceMs);
    processor.complete(ds, log, out);
  }
}
