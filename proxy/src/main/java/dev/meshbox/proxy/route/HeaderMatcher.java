package dev.meshbox.proxy.route;

import java.util.Objects;

/**
 * A compiled Envoy {@code HeaderMatcher}. Either {@code match} is set (a value matcher), or {@code present}
 * says whether the header must be present (true) or absent (false).
 */
public record HeaderMatcher(
        String name, StringMatch match, Boolean present, boolean invert, boolean treatMissingAsEmpty) {

    public HeaderMatcher {
        Objects.requireNonNull(name, "name");
        if ((match == null) == (present == null)) {
            throw new IllegalArgumentException("header matcher " + name + ": exactly one of match or present");
        }
    }

    public static HeaderMatcher value(String name, StringMatch match) {
        return new HeaderMatcher(name, match, null, false, false);
    }

    public static HeaderMatcher present(String name, boolean present) {
        return new HeaderMatcher(name, null, present, false, false);
    }

    public HeaderMatcher inverted() {
        return new HeaderMatcher(name, match, present, !invert, treatMissingAsEmpty);
    }

    /** Envoy's HeaderUtility::matchHeaders, including its treatment of a missing header. */
    public boolean matches(RequestView request) {
        String value = request.header(name);
        if (value == null && !treatMissingAsEmpty) {
            boolean isPresentMatcher = present != null;
            return invert ? isPresentMatcher && present : isPresentMatcher && !present;
        }
        String actual = value == null ? "" : value;
        boolean result = present != null ? present : match.matches(actual);
        return result != invert;
    }
}
