package dev.meshbox.proxy.endpoint;

import io.netty.handler.codec.http.FullHttpResponse;

/** Receives the one response of a request sent on an {@link UpstreamConnection}, on that connection's loop. */
public interface ResponseListener {
    /** The listener owns {@code response} and must release it. */
    void onResponse(UpstreamConnection connection, FullHttpResponse response);

    /** The connection closed or failed before a complete response arrived. */
    void onReset(UpstreamConnection connection, Throwable cause);
}
