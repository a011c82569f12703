package dev.meshbox.controlplane.config;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Istio's StringMatch: exactly one of exact, prefix or regex (RE2 syntax). */
public record StringMatch(Kind kind, String value) {
    public enum Kind {
        EXACT,
        PREFIX,
        REGEX,
        PRESENT
    }

    /** An empty match object or the regex {@code *} means "present" in Istio (a present_match in Envoy). */
    public static final StringMatch PRESENT_MATCH = new StringMatch(Kind.PRESENT, "");

    static StringMatch read(YamlNode n) {
        if (!n.isObject()) {
            n.problem("must be an object with one of exact, prefix, regex");
            return null;
        }
        n.onlyFields(Set.of("exact", "prefix", "regex"));
        int set = (n.has("exact") ? 1 : 0) + (n.has("prefix") ? 1 : 0) + (n.has("regex") ? 1 : 0);
        if (set != 1) {
            n.problem("must set exactly one of exact, prefix, regex");
            return null;
        }
        if (n.has("exact")) {
            return new StringMatch(Kind.EXACT, n.str("exact").orElse(""));
        }
        if (n.has("prefix")) {
            return new StringMatch(Kind.PREFIX, n.str("prefix").orElse(""));
        }
        String regex = n.str("regex").orElse("");
        if (regex.equals("*")) {
            return PRESENT_MATCH; // Istio: "*" is not RE2; it means the header is present
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            n.problem("regex \"" + regex + "\" is not a valid regular expression: " + e.getDescription());
            return null;
        }
        return new StringMatch(Kind.REGEX, regex);
    }
}
