package dev.meshbox.proxy.route;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's {@code RegexMatchAndSubstitute}: every match of {@code pattern} in the path is replaced by the substitution,
 * written in RE2's form: {@code \1} to {@code \9} name groups, {@code \0} the whole match, {@code \\} a backslash;
 * anything else is literal. {@link #of} checks the substitution once, so {@link #apply} cannot fail.
 */
public record RegexRewrite(Pattern pattern, String substitution) {

    /**
     * @throws IllegalArgumentException for a group the pattern does not have, or a backslash before anything but a
     *     digit or a backslash, which RE2 refuses as well
     */
    public static RegexRewrite of(Pattern pattern, String substitution) {
        int groups = pattern.matcher("").groupCount();
        for (int i = 0; i < substitution.length(); i++) {
            if (substitution.charAt(i) != '\\') {
                continue;
            }
            char next = i + 1 < substitution.length() ? substitution.charAt(i + 1) : ' ';
            if (Character.isDigit(next) && next - '0' > groups) {
                throw new IllegalArgumentException("substitution \"" + substitution + "\" names group \\" + next
                        + " but the pattern has " + groups + " group(s)");
            }
            if (!Character.isDigit(next) && next != '\\') {
                throw new IllegalArgumentException("substitution \"" + substitution
                        + "\": a backslash must be followed by a digit or another backslash");
            }
            i++;
        }
        return new RegexRewrite(pattern, substitution);
    }

    /** The path with every match replaced, as RE2's {@code GlobalReplace}. */
    public String apply(String path) {
        Matcher m = pattern.matcher(path);
        if (!m.find()) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length() + substitution.length());
        int last = 0;
        do {
            out.append(path, last, m.start());
            for (int i = 0; i < substitution.length(); i++) {
                char c = substitution.charAt(i);
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char next = substitution.charAt(++i);
                if (next == '\\') {
                    out.append('\\');
                } else {
                    String group = m.group(next - '0');
                    out.append(group == null ? "" : group);
                }
            }
            last = m.end();
        } while (m.find());
        return out.append(path, last, path.length()).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegexRewrite r
                && r.pattern.pattern().equals(pattern.pattern())
                && r.substitution.equals(substitution);
    }

    @Override
    public int hashCode() {
        return pattern.pattern().hashCode() * 31 + substitution.hashCode();
    }
}
