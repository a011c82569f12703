package dev.meshbox.proxy.route;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the router sees of a request: method, authority (Host), {@code :path} with its query string, and the
 * headers by lower-case name (several values joined by a comma, as Envoy does for matching).
 */
public record RequestView(String method, String authority, String path, Map<String, String> headers) {

  public RequestView {
    Objects.requireNonNull(method, "method");
    authority = authority == null ? "" : authority;
    path = path == null || path.isEmpty() ? "/" : path;
    headers = Map.copyOf(headers);
  }

  public static RequestView get(String authority, String path) {
    return new RequestView("GET", authority, path, Map.of());
  }

  public RequestView withHeader(String name, String value) {
    var copy = new java.util.HashMap<>(headers);
    copy.put(name.toLowerCase(Locale.ROOT), value);
    return new RequestView(method, authority, path, copy);
  }

  /** The header's value, or null when absent; {@code :authority}, {@code :method}, {@code :path}, {@code :scheme} work too. */
  public String header(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case ":authority", "host" -> authority.isEmpty() ? headers.get(lower) : authority;
      case ":method" -> method;
      case ":path" -> path;
      // Plain-text HTTP/1.1 only (TLS is not simulated), so the scheme seen by the router is always http.
      case ":scheme" -> headers.getOrDefault(":scheme", "http");
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
