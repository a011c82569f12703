package dev.meshbox.proxy.route;

/**
 * Envoy's path rewrites ({@code RouteEntryImplBase::currentUrlPathAfterRewriteWithMatchedPath}) as a pure function. A
 * prefix rewrite replaces what the route matched: the configured prefix of a prefix or path-separated-prefix match, the
 * configured path of an exact match, the whole path of a regex match; the query string stays. A regex rewrite applies
 * to the path without its query string, which is then put back.
 */
public final class PathRewrite {

    private PathRewrite() {}

    /**
     * @param uri the request's {@code :path}, query string included
     * @return the rewritten {@code :path}, or {@code uri} itself when no rewrite applies
     */
    public static String apply(String uri, RouteMatch match, String prefixRewrite, RegexRewrite regexRewrite) {
        int query = queryStart(uri);
        if (prefixRewrite != null) {
            return prefixRewrite + uri.substring(Math.min(matchedLength(match.path(), query), uri.length()));
        }
        if (regexRewrite != null) {
            return regexRewrite.apply(uri.substring(0, query)) + uri.substring(query);
        }
        return uri;
    }

    private static int matchedLength(PathMatcher path, int pathLength) {
        if (path instanceof PathMatcher.Prefix p) {
            return p.prefix().length();
        }
        if (path instanceof PathMatcher.SegmentPrefix p) {
            return p.prefix().length();
        }
        if (path instanceof PathMatcher.Exact e) {
            return e.path().length();
        }
        return pathLength;
    }

    /** Where the query string (or fragment) starts, or the length of {@code uri} when it has none. */
    static int queryStart(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return uri.length();
    }
}
