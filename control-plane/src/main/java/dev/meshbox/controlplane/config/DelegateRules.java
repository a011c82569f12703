package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.VirtualService.Delegate;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Istio's validation webhook rules for delegation ({@code pkg/config/validation/virtualservice.go}): a VirtualService
 * without hosts is a delegate, which binds to no gateway, has only HTTP rules and delegates no further; a root rule
 * (one with {@code delegate}) may not also route or redirect; neither may match by regex, since a delegate's match
 * must be provably inside its root's. Messages quote Istio's where it has one, naming the field.
 */
final class DelegateRules {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private DelegateRules() {}

    /** The rule's {@code delegate}, if it has one; the name is required, both must be Kubernetes names. */
    static Optional<Delegate> read(YamlNode rule) {
        if (!rule.has("delegate")) {
            return Optional.empty();
        }
        YamlNode d = rule.obj("delegate");
        d.onlyFields(Set.of("name", "namespace"));
        String name = d.requiredStr("name");
        if (!name.isEmpty() && (name.length() > 253 || !DNS_NAME.matcher(name).matches())) {
            d.problems()
                    .add(
                            d.path() + ".name",
                            "must be the name of a VirtualService (a lowercase DNS name), got \"" + name + "\"");
        }
        String namespace = d.str("namespace").orElse("");
        if (!namespace.isEmpty()
                && (namespace.length() > 63 || !DNS_LABEL.matcher(namespace).matches())) {
            d.problems()
                    .add(
                            d.path() + ".namespace",
                            "must be a namespace name (a lowercase DNS label), got \"" + namespace + "\"");
        }
        return Optional.of(new Delegate(name, namespace));
    }

    /** A root rule hands every matching request to its delegate: it may carry no action of its own. */
    static void rootRule(YamlNode rule) {
        for (String action : List.of("route", "redirect", "directResponse")) {
            if (rule.has(action)) {
                rule.problems()
                        .add(
                                rule.path() + "." + action,
                                "root HTTP route must not specify " + action
                                        + " together with delegate; the delegate VirtualService's rules decide where"
                                        + " requests go");
            }
        }
    }

    /** The checks that need the whole VirtualService: delegate-only restrictions and regex matches. */
    static void check(YamlNode spec, List<String> hosts, List<String> gateways, List<HttpRoute> http) {
        boolean delegate = hosts.isEmpty();
        if (delegate) {
            String why = " (a VirtualService without hosts is a delegate; a root VirtualService's delegate rule"
                    + " uses its routes)";
            if (!gateways.isEmpty()) {
                spec.problems().add("spec.gateways", "delegate virtual service must have no gateways specified" + why);
            }
            for (String other : List.of("tls", "tcp")) {
                if (spec.has(other)) {
                    spec.problems()
                            .add(
                                    "spec." + other,
                                    "delegate virtual service must have no " + other + " route specified" + why);
                }
            }
            if (!spec.has("http")) {
                spec.problems().add("spec.http", "a delegate VirtualService must have http routes" + why);
            }
        }
        for (int i = 0; i < http.size(); i++) {
            HttpRoute rule = http.get(i);
            if (rule == null) {
                continue;
            }
            String path = "spec.http[" + i + "]";
            if (delegate && rule.delegate().isPresent()) {
                spec.problems().add(path + ".delegate", "delegate HTTP route cannot contain delegate");
            }
            if (delegate || rule.delegate().isPresent()) {
                for (int j = 0; j < rule.match().size(); j++) {
                    noRegex(spec, path + ".match[" + j + "]", rule.match().get(j));
                }
            }
        }
    }

    /** Istio merges a delegate's match into its root's only for exact and prefix matches; regexes are refused. */
    private static void noRegex(YamlNode spec, String path, HttpMatch m) {
        if (m == null) {
            return;
        }
        regex(spec, path + ".uri", m.uri(), "url");
        regex(spec, path + ".scheme", m.scheme(), "scheme");
        regex(spec, path + ".method", m.method(), "method");
        regex(spec, path + ".authority", m.authority(), "authority");
        regexes(spec, path + ".headers", m.headers(), "header");
        regexes(spec, path + ".queryParams", m.queryParams(), "query param");
        regexes(spec, path + ".withoutHeaders", m.withoutHeaders(), "withoutHeaders");
    }

    private static void regex(YamlNode spec, String field, Optional<StringMatch> s, String what) {
        if (s.isPresent() && s.get().kind() == StringMatch.Kind.REGEX) {
            spec.problems()
                    .add(
                            field + ".regex",
                            what + " match does not support regex match for delegating; use exact or"
                                    + " prefix in a root or delegate VirtualService");
        }
    }

    private static void regexes(YamlNode spec, String field, Map<String, StringMatch> matches, String what) {
        matches.forEach((name, s) -> {
            if (s.kind() == StringMatch.Kind.REGEX) {
                spec.problems()
                        .add(
                                field + "." + name + ".regex",
                                what + " match " + name
                                        + " does not support regex match for delegating; use exact or prefix in a root or"
                                        + " delegate VirtualService");
            }
        });
    }

    /**
     * {@code spec.exportTo}: {@code .} (this namespace), {@code *} (every namespace), {@code ~} (none, alone) or
     * namespace names. For a delegate it says which roots may use it.
     */
    static List<String> exportTo(YamlNode spec) {
        List<String> exportTo = spec.strings("exportTo");
        for (int i = 0; i < exportTo.size(); i++) {
            String e = exportTo.get(i);
            String field = "spec.exportTo[" + i + "]";
            if (e.equals("~") && exportTo.size() > 1) {
                spec.problems().add(field, "\"~\" (exported nowhere) cannot be combined with other values");
            } else if (!e.equals(".")
                    && !e.equals("*")
                    && !e.equals("~")
                    && !DNS_LABEL.matcher(e).matches()) {
                spec.problems().add(field, "must be \".\", \"*\", \"~\" or a namespace name, got \"" + e + "\"");
            }
        }
        if (exportTo.size() != exportTo.stream().distinct().count()) {
            spec.problems().add("spec.exportTo", "must not list a value twice");
        }
        return exportTo;
    }
}
