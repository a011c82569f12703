package dev.meshbox.proxy.route;

import java.util.List;
import java.util.Objects;

/** A compiled Envoy {@code RouteMatch}: all parts must match. */
public record RouteMatch(
        PathMatcher path,
        boolean caseSensitive,
        List<HeaderMatcher> headers,
        List<QueryParameterMatcher> queryParameters) {

    public RouteMatch {
        Objects.requireNonNull(path, "path");
        headers = List.copyOf(headers);
        queryParameters = List.copyOf(queryParameters);
    }

    public static RouteMatch prefix(String prefix) {
        return new RouteMatch(new PathMatcher.Prefix(prefix), true, List.of(), List.of());
    }

    public RouteMatch withHeaders(HeaderMatcher... matchers) {
        return new RouteMatch(path, caseSensitive, List.of(matchers), queryParameters);
    }

    public boolean matches(RequestView request) {
        if (!path.matches(request.path(), request.pathWithoutQuery(), caseSensitive)) {
            return false;
        }
        for (HeaderMatcher header : headers) {
            if (!header.matches(request)) {
                return false;
            }
        }
        for (QueryParameterMatcher parameter : queryParameters) {
            if (!parameter.matches(request)) {
                return false;
            }
        }
        return true;
    }
}
