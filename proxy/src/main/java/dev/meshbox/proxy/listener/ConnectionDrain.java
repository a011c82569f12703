package dev.meshbox.proxy.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Envoy's drain of the connections a drained listener accepted ({@code POST /drain_listeners}): each HTTP connection
 * is told once ({@link Event#DRAIN}, a pipeline user event) and then, as Envoy's connection manager does while its
 * listener drains, an HTTP/2 connection sends GOAWAY at once and closes when its open streams are done; an HTTP/1.1
 * connection answers its next request with {@code Connection: close} and closes after it, and one still idle after
 * the drain timeout (Envoy's {@code drain_timeout}, 5 s) closes. Keep-alive clients so open new connections, which
 * the stopped listener refuses, and their outlier detection fails them over. TCP proxy connections are left to finish.
 */
public final class ConnectionDrain {

    /** The pipeline event that starts a connection's drain. */
    public enum Event {
        DRAIN
    }

    /** Envoy's default {@code drain_timeout} of the HTTP connection manager. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** The listener that accepted a connection, set on its channel when it is accepted. */
    static final AttributeKey<String> LISTENER = AttributeKey.valueOf("meshbox.listener");

    private ConnectionDrain() {}

    /** One connection's drain: HTTP/2 closes gracefully now (Netty's GOAWAY), HTTP/1.1 once idle after the timeout. */
    static void start(ChannelHandlerContext ctx, boolean http2, BooleanSupplier busy) {
        if (http2) {
            ctx.close();
            return;
        }
        ctx.executor()
                .schedule(
                        () -> {
                            if (!busy.getAsBoolean()) {
                                ctx.close();
                            }
                        },
                        TIMEOUT.toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    /** Starts the drain of every connection in {@code connections} whose listener {@code drained} names. */
    static void drain(Iterable<Channel> connections, Predicate<String> drained) {
        for (Channel ch : connections) {
            String listener = ch.attr(LISTENER).get();
            if (listener != null && drained.test(listener)) {
                ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(Event.DRAIN));
            }
        }
    }
}
