package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * HTTP/2 streams as the one message shape the filter chain knows: Netty's HTTP/1 to HTTP/2 translation gives each
 * stream as a {@code FullHttpRequest} or {@code FullHttpResponse} (trailers in {@code trailingHeaders()}) and marks it
 * with {@code x-http2-*} extension headers, which never leave the proxy.
 */
public final class Http2Messages {

    /** The version a request that arrived over HTTP/2 carries, so that {@code %PROTOCOL%} says {@code HTTP/2}. */
    public static final HttpVersion HTTP_2 = new HttpVersion("HTTP", 2, 0, true);

    private Http2Messages() {}

    /** The stream id Netty's translation put on the message, or 0; the extension headers are removed. */
    public static int takeStreamId(HttpHeaders headers) {
        Integer id = headers.getInt(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(n.text());
        }
        return id == null ? 0 : id;
    }

    /** The access log's {@code %PROTOCOL%}: Envoy prints {@code HTTP/2}, not {@code HTTP/2.0}. */
    public static String protocolText(HttpVersion version) {
        return version.majorVersion() == 2 ? "HTTP/2" : version.text();
    }

    /**
     * Makes a response writable on stream {@code streamId}: an empty body with trailers becomes a trailers-only
     * response (gRPC's shape for an error), since a HEADERS frame that ends the stream has no room for a second one;
     * HTTP/1.1's connection headers are dropped (HTTP/2 forbids them).
     */
    public static void prepareResponse(FullHttpResponse response, int streamId) {
        HttpHeaders h = response.headers();
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
        if (!response.content().isReadable() && !response.trailingHeaders().isEmpty()) {
            h.add(response.trailingHeaders());
            response.trailingHeaders().clear();
        }
        h.setInt(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(), streamId);
    }
}
