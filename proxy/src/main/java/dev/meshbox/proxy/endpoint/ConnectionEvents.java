package dev.meshbox.proxy.endpoint;

/** Where a pool reports what happens to its connections and requests (host and cluster counters). */
public interface ConnectionEvents {
    void connectStarted();

    void connected();

    void connectFailed();

    /** A connection that had connected is gone. */
    void closed();

    /** The connection circuit breaker was at its limit when a connection was wanted. */
    default void connectionOverflow() {}

    /** A request overflowed the pending or the active-request circuit breaker. */
    default void pendingOverflow() {}

    /** A request is waiting for a connection. */
    default void pendingStarted() {}

    /** A request stopped waiting (attached, failed or cancelled). */
    default void pendingEnded() {}

    /** A request got a connection: it is now an upstream request. */
    default void requestAttached() {}

    /** A connection closes because it carried {@code max_requests_per_connection} requests. */
    default void maxRequestsReached() {}

    /** An idle connection closes because of the idle timeout. */
    default void idleTimeout() {}

    /** Events reported to {@code first}, then to {@code second} (a host's counters, then its cluster's). */
    static ConnectionEvents tee(ConnectionEvents first, ConnectionEvents second) {
        return new ConnectionEvents() {
            @Override
            public void connectStarted() {
                first.connectStarted();
                second.connectStarted();
            }

            @Override
            public void connected() {
                first.connected();
                second.connected();
            }

            @Override
            public void connectFailed() {
                first.connectFailed();
                second.connectFailed();
            }

            @Override
            public void closed() {
                first.closed();
                second.closed();
            }

            @Override
            public void connectionOverflow() {
                first.connectionOverflow();
                second.connectionOverflow();
            }

            @Override
            public void pendingOverflow() {
                first.pendingOverflow();
                second.pendingOverflow();
            }

            @Override
            public void pendingStarted() {
                first.pendingStarted();
                second.pendingStarted();
            }

            @Override
            public void pendingEnded() {
                first.pendingEnded();
                second.pendingEnded();
            }

            @Override
            public void requestAttached() {
                first.requestAttached();
                second.requestAttached();
            }

            @Override
            public void maxRequestsReached() {
                first.maxRequestsReached();
                second.maxRequestsReached();
            }

            @Override
            public void idleTimeout() {
                first.idleTimeout();
                second.idleTimeout();
            }
        };
    }
}
