package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.KubeHttpRoute.BackendRef;
import dev.meshbox.controlplane.config.KubeHttpRoute.Filter;
import dev.meshbox.controlplane.config.KubeHttpRoute.HeaderModifier;
import dev.meshbox.controlplane.config.KubeHttpRoute.PathModifier;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads and validates an HTTPRoute filter (on a rule, or on a backendRef where Istio takes header modifiers only). */
final class HttpRouteFilterParser {

    private static final Set<String> FILTERS = Set.of(
            "RequestHeaderModifier",
            "ResponseHeaderModifier",
            "RequestRedirect",
            "URLRewrite",
            "RequestMirror",
            "ExtensionRef",
            "CORS");

    private HttpRouteFilterParser() {}

    static Filter filter(YamlNode f, boolean onRule) {
        f.onlyFields(Set.of(
                "type",
                "requestHeaderModifier",
                "responseHeaderModifier",
                "requestRedirect",
                "urlRewrite",
                "requestMirror",
                "extensionRef",
                "cors"));
        String type = f.requiredStr("type");
        if (type.isEmpty()) {
            return null;
        }
        if (!FILTERS.contains(type)) {
            f.problems()
                    .add(
                            f.path() + ".type",
                            "must be one of "
                                    + String.join(
                                            ", ", FILTERS.stream().sorted().toList()) + ", got \"" + type + "\"");
            return null;
        }
        String field =
                type.equals("URLRewrite") ? "urlRewrite" : Character.toLowerCase(type.charAt(0)) + type.substring(1);
        if (type.equals("CORS")) {
            field = "cors";
        }
        if (!f.has(field)) {
            f.problems().add(f.path() + "." + field, "is required when type is " + type);
            return null;
        }
        YamlNode body = f.obj(field);
        if (!onRule && !type.endsWith("HeaderModifier")) {
            f.problems()
                    .add(
                            f.path() + ".type",
                            type + " is not supported on a backendRef; Istio supports only"
                                    + " RequestHeaderModifier and ResponseHeaderModifier there");
            return null;
        }
        return switch (type) {
            case "RequestHeaderModifier" -> new KubeHttpRoute.RequestHeaderModifier(headerModifier(body));
            case "ResponseHeaderModifier" -> new KubeHttpRoute.ResponseHeaderModifier(headerModifier(body));
            case "RequestRedirect" -> redirect(body);
            case "URLRewrite" -> rewrite(body);
            case "RequestMirror" -> mirror(body);
            default -> {
                f.problems().add(f.path() + ".type", type + " is not supported by MeshBox yet");
                yield null;
            }
        };
    }

    private static HeaderModifier headerModifier(YamlNode n) {
        n.onlyFields(Set.of("set", "add", "remove"));
        return new HeaderModifier(headerList(n, "set"), headerList(n, "add"), n.strings("remove"));
    }

    /** "Subsequent entries with an equivalent header name MUST be ignored", as Istio's headerListToMap does. */
    private static Map<String, String> headerList(YamlNode n, String key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (YamlNode h : n.list(key)) {
            h.onlyFields(Set.of("name", "value"));
            String name = h.requiredStr("name").toLowerCase(Locale.ROOT);
            if (!h.has("value")) {
                h.problems().add(h.path() + ".value", "is required");
            }
            out.putIfAbsent(name, h.str("value").orElse(""));
        }
        return out;
    }

    private static Optional<PathModifier> pathModifier(YamlNode n) {
        if (!n.has("path")) {
            return Optional.empty();
        }
        YamlNode p = n.obj("path");
        p.onlyFields(Set.of("type", "replaceFullPath", "replacePrefixMatch"));
        String type = p.requiredStr("type");
        if (type.equals("ReplaceFullPath")) {
            if (!p.has("replaceFullPath")) {
                p.problems().add(p.path() + ".replaceFullPath", "is required when type is ReplaceFullPath");
            }
            return Optional.of(new PathModifier(true, p.str("replaceFullPath").orElse("")));
        }
        if (type.equals("ReplacePrefixMatch")) {
            if (!p.has("replacePrefixMatch")) {
                p.problems().add(p.path() + ".replacePrefixMatch", "is required when type is ReplacePrefixMatch");
            }
            return Optional.of(
                    new PathModifier(false, p.str("replacePrefixMatch").orElse("")));
        }
        if (!type.isEmpty()) {
            p.problems().add(p.path() + ".type", "must be ReplaceFullPath or ReplacePrefixMatch, got \"" + type + "\"");
        }
        return Optional.empty();
    }

    private static Filter redirect(YamlNode n) {
        n.onlyFields(Set.of("scheme", "hostname", "path", "port", "statusCode"));
        Optional<String> scheme = n.str("scheme");
        scheme.ifPresent(s -> {
            if (!s.equals("http") && !s.equals("https")) {
                n.problems().add(n.path() + ".scheme", "must be http or https, got \"" + s + "\"");
            }
        });
        Optional<Integer> port = n.integer("port").map(Long::intValue);
        port.ifPresent(p -> GatewayApiParser.checkPort(n, n.path() + ".port", p));
        int code = n.integer("statusCode").map(Long::intValue).orElse(302);
        if (!Set.of(301, 302, 303, 307, 308).contains(code)) {
            n.problems().add(n.path() + ".statusCode", "must be one of 301, 302, 303, 307, 308, got " + code);
        }
        n.str("hostname").ifPresent(h -> GatewayApiParser.checkHostname(n, n.path() + ".hostname", h));
        return new KubeHttpRoute.RequestRedirect(scheme, n.str("hostname"), pathModifier(n), port, code);
    }

    private static Filter rewrite(YamlNode n) {
        n.onlyFields(Set.of("hostname", "path"));
        n.str("hostname").ifPresent(h -> GatewayApiParser.checkHostname(n, n.path() + ".hostname", h));
        return new KubeHttpRoute.UrlRewrite(n.str("hostname"), pathModifier(n));
    }

    private static Filter mirror(YamlNode n) {
        n.onlyFields(Set.of("backendRef", "percent", "fraction"));
        if (!n.has("backendRef")) {
            n.problems().add(n.path() + ".backendRef", "is required");
            return null;
        }
        BackendRef backend = GatewayApiParser.backendRef(n.obj("backendRef"), false);
        Optional<Double> percent = n.integer("percent").map(Long::doubleValue);
        percent.ifPresent(p -> {
            if (p < 0 || p > 100) {
                n.problems().add(n.path() + ".percent", "must be between 0 and 100, got " + p.intValue());
            }
        });
        if (n.has("fraction")) {
            if (percent.isPresent()) {
                n.problems().add(n.path(), "may set only one of percent and fraction");
            }
            YamlNode f = n.obj("fraction");
            f.onlyFields(Set.of("numerator", "denominator"));
            long num = f.integer("numerator").orElse(0L);
            long den = f.integer("denominator").orElse(100L);
            if (den <= 0 || num < 0 || num > den) {
                f.problems().add(f.path(), "numerator must be between 0 and denominator (> 0), got " + num + "/" + den);
            } else {
                percent = Optional.of(100.0 * num / den);
            }
        }
        return backend == null ? null : new KubeHttpRoute.RequestMirror(backend, percent);
    }
}
