package dev.meshbox.proxy.route;

import java.util.regex.Pattern;

/** The path part of an Envoy {@code RouteMatch}. */
public sealed interface PathMatcher {

    /** @param path the request path without its query string */
    boolean matches(String fullPath, String path, boolean caseSensitive);

    /** Matches the start of {@code :path} (query string included, as Envoy does). */
    record Prefix(String prefix) implements PathMatcher {
        @Override
        public boolean matches(String fullPath, String path, boolean caseSensitive) {
            return caseSensitive
                    ? fullPath.startsWith(prefix)
                    : fullPath.regionMatches(true, 0, prefix, 0, prefix.length());
        }
    }

    /** Matches the path once the query string is removed. */
    record Exact(String path) implements PathMatcher {
        @Override
        public boolean matches(String fullPath, String requestPath, boolean caseSensitive) {
            return caseSensitive ? requestPath.equals(path) : requestPath.equalsIgnoreCase(path);
        }
    }

    /** Matches a path-segment prefix: {@code /foo} matches {@code /foo} and {@code /foo/bar}, not {@code /foobar}. */
    record SegmentPrefix(String prefix) implements PathMatcher {
        @Override
        public boolean matches(String fullPath, String path, boolean caseSensitive) {
            boolean starts =
                    caseSensitive ? path.startsWith(prefix) : path.regionMatches(true, 0, prefix, 0, prefix.length());
            return starts && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
        }
    }

    /** Full match of the path once the query string is removed; case sensitivity does not apply. */
    record Regex(Pattern pattern) implements PathMatcher {
        @Override
        public boolean matches(String fullPath, String path, boolean caseSensitive) {
            return pattern.matcher(path).matches();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Regex r && r.pattern.pattern().equals(pattern.pattern());
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }
    }
}
