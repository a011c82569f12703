package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.VirtualService.CorsPolicy;
import dev.meshbox.controlplane.config.VirtualService.DerivePort;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.Mirror;
import dev.meshbox.controlplane.config.VirtualService.Redirect;
import dev.meshbox.controlplane.config.VirtualService.RegexRewrite;
import dev.meshbox.controlplane.config.VirtualService.Rewrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The parts of an HTTP rule that change what happens to a matched request besides where it goes: rewrite, redirect,
 * CORS policy and mirrors, validated with the rules of Istio's webhook ({@code validateHTTPRewrite},
 * {@code validateHTTPRedirect}, {@code validateCORSPolicy}, {@code validateHTTPMirrors} and the conflicts of
 * {@code validateHTTPRoute}).
 */
final class RouteActionsParser {

    /** Envoy's RedirectAction has a response code for these only; Istio drops a route with another 3xx code. */
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
    /** Istio's {@code supportedCORSMethods}. */
    private static final Set<String> CORS_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
    /** Istio approximates Envoy's RE2 program-size limit by the regex's length. */
    private static final int MAX_REGEX_LENGTH = 1024;

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    private RouteActionsParser() {}

    static Optional<Rewrite> rewrite(YamlNode rule) {
        if (!rule.has("rewrite")) {
            return Optional.empty();
        }
        YamlNode r = rule.obj("rewrite");
        r.onlyFields(Set.of("uri", "authority", "uriRegexRewrite"));
        Optional<String> uri = r.str("uri").filter(s -> !s.isEmpty());
        Optional<String> authority = r.str("authority").filter(s -> !s.isEmpty());
        Optional<RegexRewrite> regex = Optional.empty();
        if (r.has("uriRegexRewrite")) {
            YamlNode x = r.obj("uriRegexRewrite");
            x.onlyFields(Set.of("match", "rewrite"));
            String match = x.str("match").orElse("");
            String replacement = x.str("rewrite").orElse("");
            if (match.isEmpty() || replacement.isEmpty()) {
                x.problem("needs both match and rewrite");
            } else if (validRegex(x, "match", match) && validSubstitution(x, match, replacement)) {
                regex = Optional.of(new RegexRewrite(match, replacement));
            }
            if (uri.isPresent()) {
                r.problem("may have only one of uri and uriRegexRewrite");
            }
        }
        if (uri.isEmpty() && authority.isEmpty() && !r.has("uriRegexRewrite")) {
            r.problem("must set at least one of uri, uriRegexRewrite or authority");
        }
        return Optional.of(new Rewrite(uri, authority, regex));
    }

    static Optional<Redirect> redirect(YamlNode rule, List<HttpMatch> matches) {
        if (!rule.has("redirect")) {
            return Optional.empty();
        }
        YamlNode n = rule.obj("redirect");
        n.onlyFields(Set.of("uri", "authority", "port", "derivePort", "scheme", "redirectCode", "prefixRewrite"));
        int code = n.integer("redirectCode").map(Long::intValue).orElse(301);
        if (!REDIRECT_CODES.contains(code)) {
            n.problems()
                    .add(
                            n.path() + ".redirectCode",
                            "must be one of 301, 302, 303, 307, 308, got " + code
                                    + (code >= 300 && code <= 399 ? " (Envoy has no redirect with this code)" : ""));
        }
        Optional<Integer> port = n.integer("port").map(Long::intValue);
        port.ifPresent(p -> {
            if (p < 1 || p > 65535) {
                n.problems().add(n.path() + ".port", "must be a port between 1 and 65535, got " + p);
            }
        });
        Optional<DerivePort> derive = Optional.empty();
        Optional<String> deriveText = n.str("derivePort");
        if (deriveText.isPresent()) {
            try {
                derive = Optional.of(DerivePort.valueOf(deriveText.get()));
            } catch (IllegalArgumentException e) {
                n.problems()
                        .add(
                                n.path() + ".derivePort",
                                "must be FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT, got \"" + deriveText.get() + "\"");
            }
            if (port.isPresent()) {
                n.problem("may have only one of port and derivePort");
            }
        }
        Optional<String> scheme = n.str("scheme").filter(s -> !s.isEmpty());
        scheme.ifPresent(s -> {
            if (!s.equals("http") && !s.equals("https")) {
                n.problems().add(n.path() + ".scheme", "must be \"http\" or \"https\", got \"" + s + "\"");
            }
        });
        Optional<String> uri = n.str("uri").filter(s -> !s.isEmpty());
        Optional<String> prefix = n.str("prefixRewrite").filter(s -> !s.isEmpty());
        if (uri.isPresent() && prefix.isPresent()) {
            n.problem("may have only one of uri and prefixRewrite");
        }
        if (prefix.isPresent()) {
            for (int i = 0; i < matches.size(); i++) {
                Optional<StringMatch> m = matches.get(i).uri();
                if (m.isPresent()
                        && m.get().kind() != StringMatch.Kind.PREFIX
                        && m.get().kind() != StringMatch.Kind.PRESENT) {
                    n.problems()
                            .add(
                                    n.path() + ".prefixRewrite",
                                    "replaces the matched prefix, but match[" + i + "].uri is "
                                            + m.get().kind().name().toLowerCase(java.util.Locale.ROOT)
                                            + "; use uri to replace the whole path");
                }
            }
        }
        Optional<String> authority = n.str("authority").filter(s -> !s.isEmpty());
        if (uri.isEmpty()
                && prefix.isEmpty()
                && authority.isEmpty()
                && scheme.isEmpty()
                && port.isEmpty()
                && deriveText.isEmpty()) {
            n.problem("must set at least one of uri, prefixRewrite, authority, scheme, port or derivePort");
        }
        return Optional.of(new Redirect(uri, authority, port, derive, scheme, code, prefix));
    }

    /** Istio's conflicts between a rule's actions: a redirect or a direct response neither rewrites nor faults. */
    static void checkConflicts(YamlNode rule) {
        for (String action : List.of("redirect", "directResponse")) {
            if (!rule.has(action)) {
                continue;
            }
            for (String other : List.of("rewrite", "fault")) {
                if (rule.has(other)) {
                    rule.problem("may not have both " + other + " and " + action + " (a " + action
                            + " answers at the proxy, so the " + other + " would never apply)");
                }
            }
        }
        if (rule.has("mirror") && rule.has("mirrors")) {
            rule.problem("may have only one of mirror and mirrors");
        }
    }

    static Optional<CorsPolicy> corsPolicy(YamlNode rule) {
        if (!rule.has("corsPolicy")) {
            return Optional.empty();
        }
        YamlNode n = rule.obj("corsPolicy");
        n.onlyFields(Set.of(
                "allowOrigins",
                "allowOrigin",
                "allowMethods",
                "allowHeaders",
                "exposeHeaders",
                "maxAge",
                "allowCredentials",
                "unmatchedPreflights"));
        List<StringMatch> origins = new ArrayList<>();
        if (n.has("allowOrigins")) {
            for (YamlNode o : n.list("allowOrigins")) {
                StringMatch m = StringMatch.read(o);
                if (m == null) {
                    continue;
                }
                if (m.value().isEmpty()) {
                    o.problem("must not be empty: an allowed origin needs exact, prefix or regex with a value");
                } else if (m.kind() == StringMatch.Kind.REGEX && m.value().length() > MAX_REGEX_LENGTH) {
                    o.problem("regex is too long: at most " + MAX_REGEX_LENGTH + " characters");
                } else {
                    origins.add(m);
                }
            }
        } else {
            // The deprecated list of exact origins.
            n.strings("allowOrigin").forEach(o -> origins.add(new StringMatch(StringMatch.Kind.EXACT, o)));
        }
        List<String> methods = n.strings("allowMethods");
        for (int i = 0; i < methods.size(); i++) {
            if (!CORS_METHODS.contains(methods.get(i))) {
                n.problems()
                        .add(
                                n.path() + ".allowMethods[" + i + "]",
                                "\"" + methods.get(i) + "\" is not a supported HTTP method; expected one of "
                                        + String.join(
                                                ", ",
                                                CORS_METHODS.stream().sorted().toList()));
            }
        }
        List<String> allowHeaders = headerNames(n, "allowHeaders");
        List<String> exposeHeaders = headerNames(n, "exposeHeaders");
        Optional<Duration> maxAge = n.duration("maxAge");
        maxAge.ifPresent(d -> {
            if (d.getNano() != 0) {
                n.problems().add(n.path() + ".maxAge", "is accurate to seconds only, got " + d);
            } else if (d.isZero() || d.isNegative()) {
                n.problems().add(n.path() + ".maxAge", "must be at least 1s, got " + d);
            }
        });
        boolean ignore = false;
        Optional<String> unmatched = n.str("unmatchedPreflights");
        if (unmatched.isPresent()) {
            switch (unmatched.get()) {
                case "IGNORE" -> ignore = true;
                case "FORWARD", "UNSPECIFIED" -> ignore = false;
                default ->
                    n.problems()
                            .add(
                                    n.path() + ".unmatchedPreflights",
                                    "must be FORWARD or IGNORE, got \"" + unmatched.get() + "\"");
            }
        }
        return Optional.of(new CorsPolicy(
                List.copyOf(origins),
                methods,
                allowHeaders,
                exposeHeaders,
                maxAge,
                n.bool("allowCredentials"),
                ignore));
    }

    private static List<String> headerNames(YamlNode n, String key) {
        List<String> names = n.strings(key);
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals("*") && !HEADER_NAME.matcher(names.get(i)).matches()) {
                n.problems()
                        .add(
                                n.path() + "." + key + "[" + i + "]",
                                "\"" + names.get(i) + "\" is not a valid header name");
            }
        }
        return names;
    }

    static List<Mirror> mirrors(YamlNode rule) {
        return rule.list("mirrors", m -> {
            m.onlyFields(Set.of("destination", "percentage"));
            if (!m.has("destination")) {
                m.problems().add(m.path() + ".destination", "is required");
                return null;
            }
            return new Mirror(VirtualServiceParser.destination(m.obj("destination")), Percent.read(m, "percentage"));
        });
    }

    /**
     * RE2's substitution rules, which Envoy checks when it loads the route: {@code \N} names one of the pattern's
     * groups, {@code \\} is a backslash, and a backslash before anything else is an error.
     */
    private static boolean validSubstitution(YamlNode n, String match, String substitution) {
        int groups = Pattern.compile(match).matcher("").groupCount();
        for (int i = 0; i < substitution.length(); i++) {
            if (substitution.charAt(i) != '\\') {
                continue;
            }
            char next = i + 1 < substitution.length() ? substitution.charAt(i + 1) : ' ';
            String problem = null;
            if (Character.isDigit(next) && next - '0' > groups) {
                problem = "names group \\" + next + " but match has " + groups + " group(s)";
            } else if (!Character.isDigit(next) && next != '\\') {
                problem = "has a backslash that is followed by neither a group number nor another backslash";
            }
            if (problem != null) {
                n.problems().add(n.path() + ".rewrite", "\"" + substitution + "\" " + problem);
                return false;
            }
            i++;
        }
        return true;
    }

    private static boolean validRegex(YamlNode n, String field, String regex) {
        if (regex.length() > MAX_REGEX_LENGTH) {
            n.problems().add(n.path() + "." + field, "regex is too long: at most " + MAX_REGEX_LENGTH + " characters");
            return false;
        }
        try {
            Pattern.compile(regex);
            return true;
        } catch (PatternSyntaxException e) {
            n.problems()
                    .add(
                            n.path() + "." + field,
                            "\"" + regex + "\" is not a valid RE2 regular expression: " + e.getDescription());
            return false;
        }
    }
}
