package dev.meshbox.proxy.route;

import java.util.Objects;

/** A compiled Envoy {@code QueryParameterMatcher}; a null {@code match} means presence only. */
public record QueryParameterMatcher(String name, StringMatch match) {

    public QueryParameterMatcher {
        Objects.requireNonNull(name, "name");
    }

    public boolean matches(RequestView request) {
        String value = request.queryParameter(name);
        if (value == null) {
            return false;
        }
        return match == null || match.matches(value);
    }
}
