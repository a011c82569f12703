package dev.meshbox.bookinfo.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A complete HTTP response, as {@link Http1Client} read it.
 *
 * @param headers lower-cased names, in arrival order, each to its values in arrival order
 */
public record Http1Response(int status, Map<String, List<String>> headers, byte[] body) {

    public Http1Response {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((name, values) ->
                copy.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values), (a, b) -> concat(a, b)));
        headers = Collections.unmodifiableMap(copy);
        body = body.clone();
    }

    /** The header's values joined by commas, as HTTP allows for a repeated header; null when absent. */
    public String header(String name) {
        List<String> values = headerValues(name);
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** Every value of the header, in arrival order; empty when absent. Names are case-insensitive. */
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** Every header, lower-cased, to its values joined by commas. */
    public Map<String, String> joinedHeaders() {
        Map<String, String> joined = new LinkedHashMap<>();
        headers.forEach((name, values) -> joined.put(name, String.join(",", values)));
        return Collections.unmodifiableMap(joined);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean isOk() {
        return status == 200;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Http1Response r
                && status == r.status
                && headers.equals(r.headers)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * status + headers.hashCode()) + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "HTTP " + status + " " + headers + " (" + body.length + " body bytes)";
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
