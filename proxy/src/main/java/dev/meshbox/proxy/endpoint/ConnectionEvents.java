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
}
