package dev.meshbox.proxy.endpoint;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/** Receives the one response of a request sent on an {@link UpstreamConnection}, on that connection's loop. */
public interface ResponseListener {
    /** The listener owns {@code response} and must release it. */
    void onResponse(UpstreamConnection connection, FullHttpResponse response);

    /**
     * Whether to take the response with these headers in pieces ({@link #onResponseData}, {@link #onResponseEnd})
     * instead of whole; asked only over HTTP/2. Answering true takes ownership of {@code head}.
     */
    default boolean streams(UpstreamConnection connection, HttpResponse head) {
        return false;
    }

    /** A piece of a streamed response's body; the listener owns it. */
    default void onResponseData(UpstreamConnection connection, HttpContent content) {
        content.release();
    }

    /** A streamed response's end (its trailers, maybe a last piece of body); the listener owns it. */
    default void onResponseEnd(UpstreamConnection connection, LastHttpContent last) {
        last.release();
    }

    /** The connection closed or failed before a complete response arrived. */
    void onReset(UpstreamConnection connection, Throwable cause);
}
