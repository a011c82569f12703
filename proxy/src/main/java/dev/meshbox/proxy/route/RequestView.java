package dev.meshbox.proxy.route;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the router sees of a request: method, authority (Host), {@code :path} with its query string, and the
 * headers by lower-case name (several values joined by a comma, as Envoy does for matching). Headers are looked up
 * only when a matcher asks, straight from the request, so routing a request copies none of them.
 */
public final class RequestView {

    /** Header values by lower-case name: null when absent, several values joined by a comma. */
    @FunctionalInterface
    public interface Headers {
        String get(String lowerCaseName);
    }

    private final String method;
    private final String authority;
    private final String path;
    private final Headers headers;

    public RequestView(String method, String authority, String path, Map<String, String> headers) {
        this(method, authority, path, lowerCased(headers)::get);
    }

    private RequestView(String method, String authority, String path, Headers headers) {
        this.method = Objects.requireNonNull(method, "method");
        this.authority = authority == null ? "" : authority;
        this.path = path == null || path.isEmpty() ? "/" : path;
        this.headers = headers;
    }

    /** A view over headers kept elsewhere (the request itself); {@code headers} must stay unchanged while routing. */
    public static RequestView over(String method, String authority, String path, Headers headers) {
        return new RequestView(method, authority, path, headers);
    }

    public static RequestView get(String authority, String path) {
        return new RequestView("GET", authority, path, Map.of());
    }

    private static Map<String, String> lowerCased(Map<String, String> headers) {
        Map<String, String> out = new HashMap<>();
        headers.forEach((k, v) -> out.merge(k.toLowerCase(Locale.ROOT), v, (a, b) -> a + "," + b));
        return Map.copyOf(out);
    }

    public String method() {
        return method;
    }

    public String authority() {
        return authority;
    }

    public String path() {
        return path;
    }

    /** The header's value, or null when absent; {@code :authority}, {@code :method}, {@code :path}, {@code :scheme} work too. */
    public String header(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return switch (lower) {
            case ":authority", "host" -> authority.isEmpty() ? headers.get(lower) : authority;
            case ":method" -> method;
            case ":path" -> path;
            // Plain-text HTTP/1.1 only (TLS is not simulated), so the scheme seen by the router is always http.
            case ":scheme" -> {
                String scheme = headers.get(":scheme");
                yield scheme == null ? "http" : scheme;
            }
            default -> headers.get(lower);
        };
    }

    public String pathWithoutQuery() {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    /** The first value of the query parameter, decoded, or null when absent. */
    public String queryParameter(String name) {
        int q = path.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : path.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (decode(key).equals(name)) {
                return eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
