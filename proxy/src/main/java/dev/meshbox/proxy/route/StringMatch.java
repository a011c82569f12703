package dev.meshbox.proxy.route;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** A compiled Envoy {@code StringMatcher}: exact, prefix, suffix, contains or a full-string regex. */
public record StringMatch(Kind kind, String value, Pattern regex, boolean ignoreCase) {

    public enum Kind {
        EXACT,
        PREFIX,
        SUFFIX,
        CONTAINS,
        REGEX
    }

    public StringMatch {
        Objects.requireNonNull(kind, "kind");
        value = value == null ? "" : value;
        if (kind == Kind.REGEX) {
            Objects.requireNonNull(regex, "regex");
        }
        if (ignoreCase && kind != Kind.REGEX) {
            value = value.toLowerCase(Locale.ROOT);
        }
    }

    public static StringMatch exact(String value) {
        return new StringMatch(Kind.EXACT, value, null, false);
    }

    public static StringMatch prefix(String value) {
        return new StringMatch(Kind.PREFIX, value, null, false);
    }

    public static StringMatch suffix(String value) {
        return new StringMatch(Kind.SUFFIX, value, null, false);
    }

    public static StringMatch contains(String value) {
        return new StringMatch(Kind.CONTAINS, value, null, false);
    }

    public static StringMatch regex(String regex) {
        return new StringMatch(Kind.REGEX, regex, Pattern.compile(regex), false);
    }

    public boolean matches(String input) {
        if (input == null) {
            return false;
        }
        String candidate = ignoreCase && kind != Kind.REGEX ? input.toLowerCase(Locale.ROOT) : input;
        return switch (kind) {
            case EXACT -> candidate.equals(value);
            case PREFIX -> candidate.startsWith(value);
            case SUFFIX -> candidate.endsWith(value);
            case CONTAINS -> candidate.contains(value);
            case REGEX -> regex.matcher(candidate).matches();
        };
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + value + (ignoreCase ? "(ignore_case)" : "");
    }
}
