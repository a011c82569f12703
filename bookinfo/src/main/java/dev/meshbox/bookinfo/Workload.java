package dev.meshbox.bookinfo;

import java.net.InetSocketAddress;

/** A running application. */
public interface Workload extends AutoCloseable {
    /** Binds {@code ctx.listen()}; returns once it accepts connections. */
    void start();

    /** The bound address (the real port when {@code listen} asked for port 0). */
    InetSocketAddress address();

    /** Stops it and frees its threads; idempotent. */
    @Override
    void close();
}
