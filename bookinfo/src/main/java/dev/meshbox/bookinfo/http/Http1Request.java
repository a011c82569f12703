package dev.meshbox.bookinfo.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One HTTP/1.1 request as {@link Http1Client} writes it: the method, the authority for the Host header, the request
 * line's target, extra headers in order, and a body.
 *
 * <p>The caller writes the authority, not the address it connects to: that is how traffic addressed to
 * {@code reviews:9080} reaches a sidecar's outbound listener, and how a test sends {@code Host: bookinfo.example.com}
 * to a gateway.
 *
 * @param authority the Host header's value, {@code reviews:9080}; null sends no Host header at all (only for testing
 *                  how a server treats an absolute-form request line, or a request without Host)
 * @param target    origin form ({@code /reviews/0?x=1}, already percent-encoded) or absolute form
 *                  ({@code http://reviews:9080/reviews/0})
 * @param headers   sent after Host in this order; the client writes Content-Length and Connection itself
 */
public record Http1Request(String method, String authority, String target, List<Header> headers, byte[] body) {

    /** One request header; the value is written as it is, so it may not contain CR, LF or other control characters. */
    public record Header(String name, String value) {
        public Header {
            if (!isToken(name)) {
                throw new IllegalArgumentException("header name: must be an HTTP token, got '" + name + "'");
            }
            if (value == null || !isSafeValue(value)) {
                throw new IllegalArgumentException("header " + name + ": must not contain control characters");
            }
        }
    }

    /** Headers the client writes itself, from the body and the connection mode. */
    private static final Set<String> FRAMING = Set.of("host", "content-length", "transfer-encoding", "connection");

    public Http1Request {
        if (!isToken(method)) {
            throw new IllegalArgumentException("method: must be an HTTP token such as GET, got '" + method + "'");
        }
        if (target == null || target.isEmpty() || !target.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException(
                    "target: must be an encoded origin-form path or absolute URL, got '" + target + "'");
        }
        if (authority != null && (authority.isEmpty() || !authority.chars().allMatch(c -> c > ' ' && c < 127))) {
            throw new IllegalArgumentException("authority: must be host[:port], got '" + authority + "'");
        }
        headers = List.copyOf(headers);
        for (Header h : headers) {
            if (FRAMING.contains(h.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + h.name()
                        + ": the client writes it (Host from the authority, Content-Length from the body)");
            }
        }
        body = body == null ? new byte[0] : body.clone();
    }

    /** {@code GET target} with {@code Host: authority} and no other header. */
    public static Http1Request get(String authority, String target) {
        return of("GET", authority, target);
    }

    /** A request without headers or body. */
    public static Http1Request of(String method, String authority, String target) {
        return new Http1Request(method, authority, target, List.of(), new byte[0]);
    }

    /** A copy with one more header. */
    public Http1Request withHeader(String name, String value) {
        List<Header> more = new ArrayList<>(headers);
        more.add(new Header(name, value));
        return new Http1Request(method, authority, target, more, body);
    }

    /** A copy with these headers added, in the map's order. */
    public Http1Request withHeaders(Map<String, String> added) {
        List<Header> more = new ArrayList<>(headers);
        added.forEach((name, value) -> more.add(new Header(name, value)));
        return new Http1Request(method, authority, target, more, body);
    }

    /** A copy with headers added from name, value pairs: {@code withHeaders("end-user", "jason", "x-b3-sampled", "1")}. */
    public Http1Request withHeaders(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "headers: expected name, value pairs, got " + namesAndValues.length + " strings");
        }
        List<Header> more = new ArrayList<>(headers);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            more.add(new Header(namesAndValues[i], namesAndValues[i + 1]));
        }
        return new Http1Request(method, authority, target, more, body);
    }

    /** A copy with this body, sent with its Content-Length. */
    public Http1Request withBody(byte[] bytes) {
        return new Http1Request(method, authority, target, headers, bytes);
    }

    /** A copy with this text as a UTF-8 body. */
    public Http1Request withBody(String text) {
        return withBody(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** {@code GET http://reviews:9080/reviews/0}, for messages. */
    public String describe() {
        return method + " " + (authority == null || !target.startsWith("/") ? target : "http://" + authority + target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Http1Request r
                && method.equals(r.method)
                && target.equals(r.target)
                && Objects.equals(authority, r.authority)
                && headers.equals(r.headers)
                && java.util.Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, target, authority, headers, java.util.Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return describe() + " " + headers + (body.length == 0 ? "" : " (" + body.length + " body bytes)");
    }

    /** Values are written verbatim onto the wire, so CR and LF would let a caller inject headers. */
    static boolean isSafeValue(String value) {
        return value.chars().allMatch(c -> c == '\t' || (c >= ' ' && c != 127));
    }

    static boolean isToken(String name) {
        return name != null
                && !name.isEmpty()
                && name.chars().allMatch(c -> c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0);
    }
}
