package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.KubeHttpRoute.BackendRef;
import dev.meshbox.controlplane.config.KubeHttpRoute.Filter;
import dev.meshbox.controlplane.config.KubeHttpRoute.Match;
import dev.meshbox.controlplane.config.KubeHttpRoute.ParentRef;
import dev.meshbox.controlplane.config.KubeHttpRoute.PathMatch;
import dev.meshbox.controlplane.config.KubeHttpRoute.PathType;
import dev.meshbox.controlplane.config.KubeHttpRoute.Rule;
import dev.meshbox.controlplane.config.KubeHttpRoute.ValueMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates the Gateway API kinds with the rules of their CRD schemas and CEL validations (what the API
 * server refuses before Istio ever sees a resource).
 */
final class GatewayApiParser {

    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    /** GEP-2257 durations: up to four number-unit pairs, units h, m, s, ms. */
    private static final Pattern DURATION = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");

    private static final Pattern DURATION_PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");
    private static final Pattern HOSTNAME =
            Pattern.compile("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    private GatewayApiParser() {}

    static KubeGateway gateway(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("gatewayClassName", "listeners", "addresses", "infrastructure", "backendTLS"));
        String className = spec.requiredStr("gatewayClassName");
        List<KubeGateway.Listener> listeners = spec.list("listeners", GatewayApiParser::listener);
        if (spec.list("listeners").isEmpty()) {
            spec.problems().add("spec.listeners", "must list at least one listener");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < listeners.size(); i++) {
            if (!names.add(listeners.get(i).name())) {
                spec.problems()
                        .add(
                                "spec.listeners[" + i + "].name",
                                "\"" + listeners.get(i).name()
                                        + "\" is used by another listener; names must be unique");
            }
        }
        return new KubeGateway(meta, yaml, className, listeners);
    }

    private static KubeGateway.Listener listener(YamlNode n) {
        n.onlyFields(Set.of("name", "hostname", "port", "protocol", "tls", "allowedRoutes"));
        String name = n.requiredStr("name");
        int port = n.integer("port").map(Long::intValue).orElse(0);
        if (port < 1 || port > 65535) {
            n.problems().add(n.path() + ".port", "must be a port between 1 and 65535, got " + port);
        }
        String protocol = n.requiredStr("protocol");
        Optional<String> hostname = n.str("hostname");
        hostname.ifPresent(h -> checkHostname(n, n.path() + ".hostname", h));
        YamlNode allowed = n.obj("allowedRoutes");
        allowed.onlyFields(Set.of("namespaces", "kinds"));
        YamlNode ns = allowed.obj("namespaces");
        ns.onlyFields(Set.of("from", "selector"));
        String from = ns.str("from").orElse("Same");
        KubeGateway.RoutesFrom routesFrom;
        switch (from) {
            case "All" -> routesFrom = KubeGateway.RoutesFrom.ALL;
            case "Selector" -> routesFrom = KubeGateway.RoutesFrom.SELECTOR;
            case "Same" -> routesFrom = KubeGateway.RoutesFrom.SAME;
            default -> {
                ns.problems().add(ns.path() + ".from", "must be one of All, Same, Selector, got \"" + from + "\"");
                routesFrom = KubeGateway.RoutesFrom.SAME;
            }
        }
        List<String> kinds = new ArrayList<>();
        for (YamlNode k : allowed.list("kinds")) {
            k.onlyFields(Set.of("group", "kind"));
            kinds.add(k.requiredStr("kind"));
        }
        return new KubeGateway.Listener(name, hostname, port, protocol, routesFrom, List.copyOf(kinds));
    }

    static KubeHttpRoute httpRoute(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("parentRefs", "hostnames", "rules"));
        List<ParentRef> parents = spec.list("parentRefs", GatewayApiParser::parentRef);
        List<String> hostnames = spec.strings("hostnames");
        for (int i = 0; i < hostnames.size(); i++) {
            checkHostname(spec, "spec.hostnames[" + i + "]", hostnames.get(i));
        }
        List<Rule> rules = spec.list("rules", GatewayApiParser::rule);
        if (rules.size() > 16) {
            spec.problems().add("spec.rules", "must have at most 16 rules, got " + rules.size());
        }
        return new KubeHttpRoute(meta, yaml, parents, hostnames, rules);
    }

    private static ParentRef parentRef(YamlNode n) {
        n.onlyFields(Set.of("group", "kind", "namespace", "name", "sectionName", "port"));
        Optional<Integer> port = n.integer("port").map(Long::intValue);
        port.ifPresent(p -> checkPort(n, n.path() + ".port", p));
        return new ParentRef(
                n.str("group").orElse(GatewayApi.GROUP),
                n.str("kind").orElse("Gateway"),
                n.requiredStr("name"),
                n.str("namespace"),
                n.str("sectionName"),
                port);
    }

    private static Rule rule(YamlNode n) {
        n.onlyFields(Set.of("name", "matches", "filters", "backendRefs", "timeouts", "retry", "sessionPersistence"));
        for (String experimental : List.of("retry", "sessionPersistence")) {
            if (n.has(experimental)) {
                // Experimental-channel fields Istio reads; refused rather than silently not honoured.
                n.problems().add(n.path() + "." + experimental, "is not supported by MeshBox yet");
            }
        }
        List<Match> matches = n.list("matches", GatewayApiParser::match);
        List<Filter> filters = filters(n);
        List<BackendRef> backends = n.list("backendRefs", b -> backendRef(b, true));
        checkFilterRules(n, filters, matches);
        YamlNode t = n.obj("timeouts");
        t.onlyFields(Set.of("request", "backendRequest"));
        Optional<Duration> request = duration(t, "request");
        Optional<Duration> backend = duration(t, "backendRequest");
        if (request.isPresent()
                && backend.isPresent()
                && !request.get().isZero()
                && backend.get().compareTo(request.get()) > 0) {
            t.problems()
                    .add(
                            t.path() + ".backendRequest",
                            "must be no longer than timeouts.request ("
                                    + t.str("request").orElse("") + "), got "
                                    + t.str("backendRequest").orElse(""));
        }
        return new Rule(n.str("name"), matches, filters, backends, request, backend);
    }

    private static Match match(YamlNode n) {
        n.onlyFields(Set.of("path", "headers", "queryParams", "method"));
        Optional<PathMatch> path = Optional.empty();
        if (n.has("path")) {
            YamlNode p = n.obj("path");
            p.onlyFields(Set.of("type", "value"));
            String type = p.str("type").orElse("PathPrefix");
            String value = p.str("value").orElse("/");
            PathType pt = switch (type) {
                case "Exact" -> PathType.EXACT;
                case "PathPrefix" -> PathType.PATH_PREFIX;
                case "RegularExpression" -> PathType.REGULAR_EXPRESSION;
                default -> {
                    p.problems()
                            .add(
                                    p.path() + ".type",
                                    "must be one of Exact, PathPrefix, RegularExpression, got \"" + type + "\"");
                    yield null;
                }
            };
            if (pt == PathType.REGULAR_EXPRESSION) {
                checkRegex(p, p.path() + ".value", value);
            } else if (pt != null && !value.startsWith("/")) {
                p.problems()
                        .add(p.path() + ".value", "must be an absolute path starting with '/', got \"" + value + "\"");
            } else if (pt != null
                    && (value.contains("//")
                            || value.contains("/./")
                            || value.contains("/../")
                            || value.contains("%2f")
                            || value.contains("%2F")
                            || value.contains("#"))) {
                p.problems()
                        .add(
                                p.path() + ".value",
                                "must not contain '//', '/./', '/../', '%2f' or '#', got \"" + value + "\"");
            }
            if (pt != null) {
                path = Optional.of(new PathMatch(pt, value));
            }
        }
        Optional<String> method = n.str("method");
        method.ifPresent(m -> {
            if (!METHODS.contains(m)) {
                n.problems()
                        .add(
                                n.path() + ".method",
                                "must be one of "
                                        + String.join(
                                                ", ", METHODS.stream().sorted().toList()) + ", got \"" + m + "\"");
            }
        });
        return new Match(path, valueMatches(n, "headers", true), valueMatches(n, "queryParams", false), method);
    }

    private static List<ValueMatch> valueMatches(YamlNode n, String key, boolean caseInsensitive) {
        List<ValueMatch> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (YamlNode h : n.list(key)) {
            h.onlyFields(Set.of("type", "name", "value"));
            String name = h.requiredStr("name");
            String value = h.str("value").orElse("");
            if (!h.has("value")) {
                h.problems().add(h.path() + ".value", "is required");
            }
            String type = h.str("type").orElse("Exact");
            if (!type.equals("Exact") && !type.equals("RegularExpression")) {
                h.problems().add(h.path() + ".type", "must be Exact or RegularExpression, got \"" + type + "\"");
            }
            boolean regex = type.equals("RegularExpression");
            if (regex) {
                checkRegex(h, h.path() + ".value", value);
            }
            String normal = caseInsensitive ? name.toLowerCase(Locale.ROOT) : name;
            if (!name.isEmpty() && !seen.add(normal)) {
                h.problems()
                        .add(
                                h.path() + ".name",
                                "\"" + name + "\" is matched twice in one match; names must be unique");
            }
            out.add(new ValueMatch(normal, regex, value));
        }
        return List.copyOf(out);
    }

    private static List<Filter> filters(YamlNode n) {
        List<Filter> out = new ArrayList<>();
        for (YamlNode f : n.list("filters")) {
            Filter filter = HttpRouteFilterParser.filter(f, true);
            if (filter != null) {
                out.add(filter);
            }
        }
        return List.copyOf(out);
    }

    static BackendRef backendRef(YamlNode n, boolean weighted) {
        n.onlyFields(
                weighted
                        ? Set.of("group", "kind", "name", "namespace", "port", "weight", "filters")
                        : Set.of("group", "kind", "name", "namespace", "port"));
        String group = n.str("group").orElse("");
        String kind = n.str("kind").orElse("Service");
        Optional<Integer> port = n.integer("port").map(Long::intValue);
        port.ifPresent(p -> checkPort(n, n.path() + ".port", p));
        if (port.isEmpty() && kind.equals("Service") && (group.isEmpty() || group.equals("core"))) {
            n.problems().add(n.path() + ".port", "is required when the backend is a Service");
        }
        int weight = n.integer("weight").map(Long::intValue).orElse(1);
        if (weight < 0 || weight > 1_000_000) {
            n.problems().add(n.path() + ".weight", "must be between 0 and 1000000, got " + weight);
        }
        List<Filter> filters = new ArrayList<>();
        for (YamlNode f : n.list("filters")) {
            Filter filter = HttpRouteFilterParser.filter(f, false);
            if (filter != null) {
                filters.add(filter);
            }
        }
        return new BackendRef(
                group, kind, n.requiredStr("name"), n.str("namespace"), port, weight, List.copyOf(filters));
    }

    /** The CEL rules of HTTPRouteRule's filters. */
    private static void checkFilterRules(YamlNode n, List<Filter> filters, List<Match> matches) {
        boolean redirect = filters.stream().anyMatch(f -> f instanceof KubeHttpRoute.RequestRedirect);
        boolean rewrite = filters.stream().anyMatch(f -> f instanceof KubeHttpRoute.UrlRewrite);
        if (redirect && rewrite) {
            n.problems().add(n.path() + ".filters", "may not contain both RequestRedirect and URLRewrite");
        }
        for (Class<?> once : List.of(
                KubeHttpRoute.RequestHeaderModifier.class,
                KubeHttpRoute.ResponseHeaderModifier.class,
                KubeHttpRoute.RequestRedirect.class,
                KubeHttpRoute.UrlRewrite.class)) {
            if (filters.stream().filter(once::isInstance).count() > 1) {
                n.problems()
                        .add(
                                n.path() + ".filters",
                                once.getSimpleName().replace("UrlRewrite", "URLRewrite") + " may appear at most once");
            }
        }
        boolean prefixReplace = filters.stream()
                .anyMatch(f -> f instanceof KubeHttpRoute.UrlRewrite u
                                && u.path().filter(p -> !p.fullPath()).isPresent()
                        || f instanceof KubeHttpRoute.RequestRedirect r
                                && r.path().filter(p -> !p.fullPath()).isPresent());
        if (prefixReplace
                && (matches.size() != 1
                        || matches.get(0).path().isEmpty()
                        || matches.get(0).path().get().type() != PathType.PATH_PREFIX)) {
            n.problems().add(n.path() + ".filters", "ReplacePrefixMatch needs exactly one match, of type PathPrefix");
        }
    }

    private static Optional<Duration> duration(YamlNode n, String key) {
        Optional<String> text = n.str(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> d = parseDuration(text.get());
        if (d.isEmpty()) {
            n.problems()
                    .add(
                            n.path() + "." + key,
                            "must be a Gateway API duration such as 10s, 500ms or 1m30s, got \"" + text.get() + "\"");
        }
        return d;
    }

    /** A GEP-2257 duration ({@code 1h}, {@code 1m30s}, {@code 500ms}), or empty when the text is not one. */
    static Optional<Duration> parseDuration(String text) {
        if (!DURATION.matcher(text).matches()) {
            return Optional.empty();
        }
        Duration total = Duration.ZERO;
        Matcher m = DURATION_PART.matcher(text);
        while (m.find()) {
            long v = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "h" -> Duration.ofHours(v);
                        case "m" -> Duration.ofMinutes(v);
                        case "s" -> Duration.ofSeconds(v);
                        default -> Duration.ofMillis(v);
                    });
        }
        return Optional.of(total);
    }

    static void checkPort(YamlNode n, String field, int port) {
        if (port < 1 || port > 65535) {
            n.problems().add(field, "must be a port between 1 and 65535, got " + port);
        }
    }

    static void checkHostname(YamlNode n, String field, String host) {
        if (!HOSTNAME.matcher(host).matches()) {
            n.problems()
                    .add(
                            field,
                            "must be a lowercase DNS name, optionally starting with \"*.\" (no IP address, no port),"
                                    + " got \"" + host + "\"");
        }
    }

    private static void checkRegex(YamlNode n, String field, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            n.problems().add(field, "\"" + regex + "\" is not a valid regular expression: " + e.getDescription());
        }
    }
}
