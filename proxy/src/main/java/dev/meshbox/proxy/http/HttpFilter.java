package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One HTTP filter of a connection manager, as Envoy's stream filters: one instance serves every request of the
 * connection managers it was configured on, so what it keeps per request lives in the {@link HttpExchange} (its
 * filter state). All methods run on the request's event loop.
 *
 * <p>The connection manager calls {@link #onRequest} in chain order until a filter stops; the router, last, always
 * stops. The response passes {@link #onResponse} in reverse order, local replies included, and {@link #onComplete}
 * runs for every filter once the request is over, whatever ended it (Envoy's access-log hook).
 */
public interface HttpFilter {

    /** What a filter's request step tells the connection manager. */
    enum Status {
        /** Hand the request to the next filter. */
        CONTINUE,
        /**
         * The filter has answered ({@link HttpExchange#sendLocalReply}), or will call
         * {@link HttpExchange#continueDecoding} or answer later.
         */
        STOP
    }

    /** The name routes use for this filter in {@code typed_per_filter_config}. */
    String name();

    default Status onRequest(HttpExchange exchange) {
        return Status.CONTINUE;
    }

    /** Before the response is written; {@code headers} may be changed. */
    default void onResponse(HttpExchange exchange, HttpHeaders headers) {}

    /** After the response was written or abandoned; {@code responseBytes} is the response's size on the wire. */
    default void onComplete(HttpExchange exchange, long responseBytes) {}
}
