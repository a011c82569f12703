package dev.meshbox.proxy.endpoint;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Envoy's HTTP/1.1 connection pool for one host on one event loop, as an explicit state machine. Every method runs
 * on {@link #loop()}; nothing here is shared with another thread except the cluster's {@link ResourceLimits}.
 *
 * <p>A request ({@link #newStream}) takes an idle connection when there is one (if the active-request breaker
 * allows), else waits as pending (if the pending breaker allows, else it overflows) while a connection is made
 * (if the connection breaker allows, or anyway when this pool has no connection at all, as Envoy does to never
 * strand a pending request). A connection that finished a request serves the oldest pending request, or goes
 * idle; it closes after {@code max_requests_per_connection} requests or {@code idle_timeout} idle.
 */
public final class ConnectionPool {

    /** Why a request did not get a connection. */
    public enum Failure {
        OVERFLOW,
        CONNECT_FAILURE,
        CLOSED
    }

    /** The outcome of {@link #newStream}; called on the pool's loop, possibly before newStream returns. */
    public interface Callbacks {
        void onReady(UpstreamConnection connection);

        void onFailure(Failure failure, Throwable cause);
    }

    /** A request waiting for a connection; cancel it when the request gives up (timeout, client gone). */
    public final class Pending {
        private final Callbacks callbacks;

        private Pending(Callbacks callbacks) {
            this.callbacks = callbacks;
        }

        /** Stops waiting; no callback follows. Runs on the pool's loop. */
        public void cancel() {
            if (pending.remove(this)) {
                endPending();
            }
        }
    }

    private final EventLoop loop;
    private final InetSocketAddress address;
    private final UpstreamTransport transport;
    private final ConnectionEvents events;
    private final Supplier<PoolSettings> settings;
    private final ArrayDeque<UpstreamConnection> ready = new ArrayDeque<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int busy;
    private int connecting;
    private boolean closed;

    ConnectionPool(
            EventLoop loop,
            InetSocketAddress address,
            UpstreamTransport transport,
            ConnectionEvents events,
            Supplier<PoolSettings> settings) {
        this.loop = loop;
        this.address = address;
        this.transport = transport;
        this.events = events;
        this.settings = settings;
    }

    public EventLoop loop() {
        return loop;
    }

    public int idleCount() {
        return ready.size();
    }

    public int busyCount() {
        return busy;
    }

    public int pendingCount() {
        return pending.size();
    }

    /**
     * Asks for a connection. Returns the pending handle when the request has to wait, null when a callback already
     * ran (ready, overflow or closed).
     */
    public Pending newStream(Callbacks callbacks) {
        assert loop.inEventLoop();
        if (closed) {
            callbacks.onFailure(Failure.CLOSED, null);
            return null;
        }
        UpstreamConnection idle = pollReady();
        if (idle != null) {
            if (!attach(idle, callbacks)) {
                makeReady(idle);
            }
            return null;
        }
        ResourceLimits limits = settings.get().limits();
        if (!limits.pendingRequests().canCreate()) {
            events.pendingOverflow();
            callbacks.onFailure(Failure.OVERFLOW, null);
            return null;
        }
        Pending p = new Pending(callbacks);
        limits.pendingRequests().inc();
        events.pendingStarted();
        pending.addLast(p);
        tryCreateConnection();
        return p;
    }

    private UpstreamConnection pollReady() {
        UpstreamConnection c;
        while ((c = ready.pollLast()) != null) {
            if (c.channel().isActive()) {
                return c;
            }
            closeConnection(c);
        }
        return null;
    }

    /** Attaches a request if the active-request breaker allows; false (and the request failed) otherwise. */
    private boolean attach(UpstreamConnection conn, Callbacks callbacks) {
        ResourceLimits limits = settings.get().limits();
        if (!limits.requests().canCreate()) {
            events.pendingOverflow();
            callbacks.onFailure(Failure.OVERFLOW, null);
            return false;
        }
        limits.requests().inc();
        conn.state = UpstreamConnection.State.BUSY;
        conn.requestCount++;
        busy++;
        events.requestAttached();
        callbacks.onReady(conn);
        return true;
    }

    private void tryCreateConnection() {
        if (closed || pending.size() <= connecting) {
            return;
        }
        ResourceLimits limits = settings.get().limits();
        boolean allowed = limits.connections().canCreate();
        if (!allowed) {
            events.connectionOverflow();
            if (ready.size() + busy + connecting > 0) {
                return;
            }
        }
        limits.connections().inc();
        connect();
    }

    private void connect() {
        UpstreamConnection fresh = new UpstreamConnection(this);
        connecting++;
        events.connectStarted();
        ChannelFuture connect = transport.connect(loop, address, settings.get().connectTimeout(), fresh);
        connect.addListener((ChannelFuture f) -> {
            connecting--;
            if (f.isSuccess()) {
                events.connected();
                fresh.state = UpstreamConnection.State.READY;
                if (closed) {
                    closeConnection(fresh);
                } else {
                    onAvailable(fresh);
                }
            } else {
                fresh.state = UpstreamConnection.State.CLOSED;
                settings.get().limits().connections().dec();
                events.connectFailed();
                purgePending(f.cause());
            }
        });
    }

    /** As Envoy does on a connect failure: every waiting request fails, so its router can retry or answer. */
    private void purgePending(Throwable cause) {
        ArrayDeque<Pending> failed = new ArrayDeque<>(pending);
        pending.clear();
        for (Pending p : failed) {
            endPending();
            p.callbacks.onFailure(Failure.CONNECT_FAILURE, cause);
        }
    }

    private void endPending() {
        settings.get().limits().pendingRequests().dec();
        events.pendingEnded();
    }

    /** A connection can take a request: the oldest pending one, else it goes idle. */
    private void onAvailable(UpstreamConnection conn) {
        conn.state = UpstreamConnection.State.READY;
        Pending p;
        while ((p = pending.pollFirst()) != null) {
            endPending();
            if (attach(conn, p.callbacks)) {
                return;
            }
        }
        makeReady(conn);
    }

    private void makeReady(UpstreamConnection conn) {
        conn.state = UpstreamConnection.State.READY;
        ready.addLast(conn);
        Duration idle = settings.get().idleTimeout();
        if (!idle.isZero()) {
            // One timer per idle period, not one per request: a busy connection goes back to ready after every
            // request, so while a timer runs it only notes how much later than that timer the idle period now ends.
            long nanos = idle.toNanos();
            if (conn.idleTimer == null) {
                conn.idleExtensionNanos = 0;
                scheduleIdleCheck(conn, nanos);
            } else {
                conn.idleExtensionNanos = nanos - conn.idleTimer.getDelay(TimeUnit.NANOSECONDS);
            }
        }
    }

    private void scheduleIdleCheck(UpstreamConnection conn, long delayNanos) {
        conn.idleTimer = loop.schedule(() -> onIdleCheck(conn), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onIdleCheck(UpstreamConnection conn) {
        conn.idleTimer = null;
        if (conn.state != UpstreamConnection.State.READY) {
            return; // busy again (its next makeReady starts a timer) or closed
        }
        long extension = conn.idleExtensionNanos;
        conn.idleExtensionNanos = 0;
        if (extension > 0) {
            scheduleIdleCheck(conn, extension); // used since the timer started: idle for less than the timeout yet
            return;
        }
        if (ready.remove(conn)) {
            events.idleTimeout();
            closeConnection(conn);
        }
    }

    /** The request on {@code conn} is complete; the connection is reused unless it must close. */
    void release(UpstreamConnection conn, boolean reusable) {
        assert loop.inEventLoop();
        if (conn.state != UpstreamConnection.State.BUSY) {
            return;
        }
        endRequest(conn);
        int max = settings.get().maxRequestsPerConnection();
        boolean exhausted = max > 0 && conn.requestCount >= max;
        if (exhausted) {
            events.maxRequestsReached();
        }
        if (!reusable || exhausted || closed || !conn.channel().isActive()) {
            closeConnection(conn);
            return;
        }
        onAvailable(conn);
    }

    /** The request on {@code conn} is abandoned: the connection cannot be reused. */
    void abort(UpstreamConnection conn) {
        if (conn.state == UpstreamConnection.State.BUSY) {
            endRequest(conn);
        }
        closeConnection(conn);
    }

    private void endRequest(UpstreamConnection conn) {
        settings.get().limits().requests().dec();
        busy--;
        conn.state = UpstreamConnection.State.READY;
    }

    /** The channel went inactive (the upstream closed it, or we did). */
    void onClosed(UpstreamConnection conn) {
        if (conn.state == UpstreamConnection.State.CONNECTING) {
            // A TLS handshake that failed: the connect listener accounts for it as a connect failure.
            return;
        }
        if (conn.state == UpstreamConnection.State.BUSY) {
            endRequest(conn);
        }
        closeConnection(conn);
    }

    /**
     * Accounts for the close at once, as Envoy's synchronous close does, so the connection breaker frees its slot
     * before the socket is actually gone; then makes a connection for waiting requests if they need one.
     */
    private void closeConnection(UpstreamConnection conn) {
        if (conn.state == UpstreamConnection.State.CLOSED) {
            return;
        }
        if (conn.state == UpstreamConnection.State.BUSY) {
            endRequest(conn);
        }
        ready.remove(conn);
        conn.cancelIdleTimer();
        conn.state = UpstreamConnection.State.CLOSED;
        settings.get().limits().connections().dec();
        events.closed();
        conn.channel().close();
        if (!pending.isEmpty()) {
            tryCreateConnection();
        }
    }

    /** Closes idle connections and fails waiting requests; busy ones close when their request ends. */
    void close() {
        assert loop.inEventLoop();
        closed = true;
        UpstreamConnection c;
        while ((c = ready.pollFirst()) != null) {
            closeConnection(c);
        }
        ArrayDeque<Pending> failed = new ArrayDeque<>(pending);
        pending.clear();
        for (Pending p : failed) {
            endPending();
            p.callbacks.onFailure(Failure.CLOSED, null);
        }
    }
}
