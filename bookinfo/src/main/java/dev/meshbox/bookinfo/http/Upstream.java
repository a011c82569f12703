package dev.meshbox.bookinfo.http;

import java.util.Objects;

/**
 * A logical destination such as {@code http://reviews:9080}. Apps name services, never addresses: the
 * sidecar turns the Host header into an endpoint.
 */
public record Upstream(String host, int port) {
    public static final Upstream DETAILS = new Upstream("details", 9080);
    public static final Upstream REVIEWS = new Upstream("reviews", 9080);
    public static final Upstream RATINGS = new Upstream("ratings", 9080);

    public Upstream {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || !host.chars().allMatch(c -> c > ' ' && c < 127 && c != ':' && c != '/')) {
            throw new IllegalArgumentException("upstream host: must be a plain host name, got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("upstream port: must be 1..65535, got " + port);
        }
    }

    /** The Host header value, e.g. {@code reviews:9080}. */
    public String authority() {
        return host + ":" + port;
    }

    /**
     * {@code GET http://<this><path>} as an app sends it through its sidecar: origin form, this service in the Host
     * header, JSON accepted, and the headers the app forwards.
     *
     * @param path origin-form path starting with '/', already percent-encoded
     */
    public Http1Request get(String path, ForwardedHeaders headers) {
        if (!path.startsWith("/") || !path.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("path: must be an encoded origin-form path, got '" + path + "'");
        }
        return Http1Request.get(authority(), path)
                .withHeader("Accept", "application/json")
                .withHeaders(headers.values());
    }
}
