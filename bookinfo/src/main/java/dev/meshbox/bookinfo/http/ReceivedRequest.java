package dev.meshbox.bookinfo.http;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One request as a test app saw it, before any handler ran.
 *
 * @param seq        1 for the app's first request, counting every request including those the log dropped
 * @param receivedAt when it arrived, ISO-8601 UTC ({@code 2025-01-31T12:00:00.123Z})
 * @param host       the Host header as received ({@code httpbin-shadow:8000} for an Envoy mirror copy), or ""
 * @param query      the raw query string without {@code ?}, or ""
 * @param headers    every header, lower-case names, repeated headers joined with a comma
 */
@JsonPropertyOrder({"seq", "receivedAt", "method", "path", "query", "host", "headers"})
public record ReceivedRequest(
        long seq,
        String receivedAt,
        String method,
        String path,
        String query,
        String host,
        Map<String, String> headers) {
    public ReceivedRequest {
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(host, "host");
        headers = Map.copyOf(headers);
    }

    static ReceivedRequest of(long seq, Instant at, Context ctx) {
        String query = ctx.queryString();
        String host = ctx.header("Host");
        return new ReceivedRequest(
                seq,
                at.toString(),
                ctx.method().name(),
                ctx.path(),
                query == null ? "" : query,
                host == null ? "" : host,
                HeaderNames.of(ctx.req(), HeaderNames::lowerCase));
    }
}
