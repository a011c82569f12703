package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.VirtualService.Abort;
import dev.meshbox.controlplane.config.VirtualService.Delay;
import dev.meshbox.controlplane.config.VirtualService.Destination;
import dev.meshbox.controlplane.config.VirtualService.DirectResponse;
import dev.meshbox.controlplane.config.VirtualService.Fault;
import dev.meshbox.controlplane.config.VirtualService.HeaderOps;
import dev.meshbox.controlplane.config.VirtualService.Headers;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import dev.meshbox.controlplane.config.VirtualService.Redirect;
import dev.meshbox.controlplane.config.VirtualService.Retry;
import dev.meshbox.controlplane.config.VirtualService.Rewrite;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads and validates a VirtualService spec with Istio's rules for the HTTP fields. */
final class VirtualServiceParser {

    private static final Set<String> SPEC = Set.of("hosts", "gateways", "http", "tls", "tcp", "exportTo");
    private static final Set<String> ROUTE = Set.of(
            "name",
            "match",
            "route",
            "redirect",
            "directResponse",
            "delegate",
            "rewrite",
            "timeout",
            "retries",
            "fault",
            "mirror",
            "mirrors",
            "mirrorPercentage",
            "mirrorPercent",
            "mirror_percent",
            "corsPolicy",
            "headers");
    private static final Set<String> MATCH = Set.of(
            "name",
            "uri",
            "scheme",
            "method",
            "authority",
            "headers",
            "port",
            "sourceLabels",
            "gateways",
            "queryParams",
            "ignoreUriCase",
            "withoutHeaders",
            "sourceNamespace",
            "statPrefix");
    private static final Set<String> RETRY_ON = Set.of(
            "5xx",
            "gateway-error",
            "reset",
            "reset-before-request",
            "connect-failure",
            "envoy-ratelimited",
            "retriable-4xx",
            "refused-stream",
            "retriable-status-codes",
            "retriable-headers",
            "http3-post-connect-failure",
            "cancelled",
            "deadline-exceeded",
            "internal",
            "resource-exhausted",
            "unavailable");

    private VirtualServiceParser() {}

    static VirtualService parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(SPEC);
        // No hosts: a delegate, used only through a root's delegate rule (DelegateRules checks what it may hold).
        List<String> hosts = spec.strings("hosts");
        List<String> gateways = spec.strings("gateways");
        boolean boundToMesh = gateways.isEmpty() || gateways.contains(VirtualService.MESH);
        for (int i = 0; i < hosts.size(); i++) {
            if (hosts.get(i).equals("*") && boundToMesh) {
                spec.problems()
                        .add(
                                "spec.hosts[" + i + "]",
                                "\"*\" is not allowed for a VirtualService bound to the mesh gateway");
            }
        }
        List<HttpRoute> http = spec.list("http", VirtualServiceParser::route);
        List<YamlNode> rules = spec.list("http");
        for (int i = 0; i < http.size() - 1; i++) {
            // A delegate rule catches only what its delegate's rules match, so the rules after it stay reachable.
            if (http.get(i).match().isEmpty() && http.get(i).delegate().isEmpty() && i < rules.size()) {
                // IST0130: a rule without match catches everything, so every later rule is unreachable.
                rules.get(i + 1)
                        .problem("is unreachable: the rule before it (spec.http[" + i
                                + "]) has no match and catches every request");
                break;
            }
        }
        DelegateRules.check(spec, hosts, gateways, http);
        return new VirtualService(
                meta,
                yaml,
                hosts,
                gateways,
                http,
                DelegateRules.exportTo(spec),
                L4RouteParser.tcp(spec),
                L4RouteParser.tls(spec, hosts));
    }

    private static HttpRoute route(YamlNode n) {
        n.onlyFields(ROUTE);
        List<HttpMatch> matches = n.list("match", VirtualServiceParser::match);
        List<RouteDestination> dests = n.list("route", VirtualServiceParser::routeDestination);
        Optional<Redirect> redirect = RouteActionsParser.redirect(n, matches);
        Optional<DirectResponse> direct =
                n.has("directResponse") ? Optional.of(directResponse(n.obj("directResponse"))) : Optional.empty();
        Optional<VirtualService.Delegate> delegate = DelegateRules.read(n);
        int actions = (dests.isEmpty() ? 0 : 1) + (redirect.isPresent() ? 1 : 0) + (direct.isPresent() ? 1 : 0);
        if (delegate.isPresent()) {
            DelegateRules.rootRule(n);
        } else if (actions == 0 && !n.has("route")) {
            n.problem("must have one of route, redirect, directResponse or delegate");
        } else if (actions > 1) {
            n.problem("may have only one of route, redirect, directResponse or delegate");
        }
        if (n.has("route") && dests.isEmpty() && !n.problems().isEmpty()) {
            // problems already reported for the destinations
        } else if (n.has("route") && dests.isEmpty()) {
            n.problems().add(n.path() + ".route", "must list at least one destination");
        }
        checkWeights(n, dests);
        Optional<Rewrite> rewrite = RouteActionsParser.rewrite(n);
        RouteActionsParser.checkConflicts(n);
        Optional<Retry> retries = n.has("retries") ? Optional.of(retry(n.obj("retries"))) : Optional.empty();
        Optional<Fault> fault = n.has("fault") ? Optional.of(fault(n.obj("fault"))) : Optional.empty();
        Optional<Destination> mirror = n.has("mirror") ? Optional.of(destination(n.obj("mirror"))) : Optional.empty();
        Optional<Double> mirrorPct = Percent.read(n, "mirrorPercentage");
        if (mirrorPct.isEmpty() && n.has("mirrorPercent")) {
            mirrorPct = n.integer("mirrorPercent").map(Long::doubleValue);
        }
        return new HttpRoute(
                n.str("name").orElse(""),
                matches,
                dests,
                redirect,
                direct,
                rewrite,
                n.duration("timeout"),
                retries,
                fault,
                RouteActionsParser.corsPolicy(n),
                mirror,
                RouteActionsParser.mirrors(n),
                mirrorPct,
                headers(n.obj("headers")),
                delegate);
    }

    private static void checkWeights(YamlNode n, List<RouteDestination> dests) {
        if (dests.size() > 1) {
            long total = dests.stream().mapToLong(d -> d.weight().orElse(0)).sum();
            if (total == 0) {
                n.problems()
                        .add(
                                n.path() + ".route",
                                "total weight of " + dests.size()
                                        + " destinations is 0; give at least one a weight > 0");
            }
        }
    }

    private static HttpMatch match(YamlNode n) {
        n.onlyFields(MATCH);
        Optional<Integer> port = n.integer("port").map(Long::intValue);
        port.ifPresent(p -> {
            if (p < 1 || p > 65535) {
                n.problems().add(n.path() + ".port", "must be a port between 1 and 65535, got " + p);
            }
        });
        return new HttpMatch(
                n.str("name").orElse(""),
                stringMatch(n, "uri"),
                stringMatch(n, "scheme"),
                stringMatch(n, "method"),
                stringMatch(n, "authority"),
                stringMatches(n, "headers"),
                stringMatches(n, "withoutHeaders"),
                stringMatches(n, "queryParams"),
                port,
                n.stringMap("sourceLabels"),
                n.strings("gateways"),
                n.bool("ignoreUriCase").orElse(false),
                n.str("sourceNamespace"));
    }

    private static Optional<StringMatch> stringMatch(YamlNode n, String key) {
        return n.has(key) ? Optional.ofNullable(StringMatch.read(n.obj(key))) : Optional.empty();
    }

    private static Map<String, StringMatch> stringMatches(YamlNode n, String key) {
        Map<String, StringMatch> out = new LinkedHashMap<>();
        n.entries(key).forEach((name, value) -> {
            // An empty object means "header present" in Istio.
            if (value.isObject() && !value.has("exact") && !value.has("prefix") && !value.has("regex")) {
                value.onlyFields(Set.of());
                out.put(key.equals("queryParams") ? name : name.toLowerCase(Locale.ROOT), StringMatch.PRESENT_MATCH);
                return;
            }
            StringMatch m = StringMatch.read(value);
            if (m != null) {
                out.put(key.equals("queryParams") ? name : name.toLowerCase(Locale.ROOT), m);
            }
        });
        return out;
    }

    private static RouteDestination routeDestination(YamlNode n) {
        n.onlyFields(Set.of("destination", "weight", "headers"));
        if (!n.has("destination")) {
            n.problems().add(n.path() + ".destination", "is required");
            return null;
        }
        Optional<Integer> weight = n.integer("weight").map(Long::intValue);
        weight.ifPresent(w -> {
            if (w < 0) {
                n.problems().add(n.path() + ".weight", "must be >= 0, got " + w);
            }
        });
        return new RouteDestination(destination(n.obj("destination")), weight, headers(n.obj("headers")));
    }

    static void checkRouteWeights(YamlNode n, List<RouteDestination> dests) {
        checkWeights(n, dests);
    }

    static RouteDestination readRouteDestination(YamlNode n) {
        return routeDestination(n);
    }

    static Destination destination(YamlNode n) {
        n.onlyFields(Set.of("host", "subset", "port"));
        String host = n.requiredStr("host");
        Optional<Integer> port = Optional.empty();
        if (n.has("port")) {
            YamlNode p = n.obj("port");
            p.onlyFields(Set.of("number"));
            port = p.integer("number").map(Long::intValue);
            port.ifPresent(v -> {
                if (v < 1 || v > 65535) {
                    n.problems().add(p.path() + ".number", "must be a port between 1 and 65535, got " + v);
                }
            });
        }
        return new Destination(host, n.str("subset"), port);
    }

    private static Headers headers(YamlNode n) {
        if (n.isMissing()) {
            return Headers.NONE;
        }
        n.onlyFields(Set.of("request", "response"));
        return new Headers(headerOps(n.obj("request"), true), headerOps(n.obj("response"), false));
    }

    private static HeaderOps headerOps(YamlNode n, boolean request) {
        if (n.isMissing()) {
            return HeaderOps.NONE;
        }
        n.onlyFields(Set.of("set", "add", "remove"));
        Map<String, String> set = n.stringMap("set");
        Map<String, String> add = n.stringMap("add");
        List<String> remove = n.strings("remove");
        // Istio's rules: a request's set and add may name :authority (the one pseudo-header they may touch); removing
        // from a request and every response operation may name neither a pseudo-header nor Host.
        set.forEach((name, value) -> checkHeaderOp(n, n.path() + ".set." + name, name, value, request));
        add.forEach((name, value) -> checkHeaderOp(n, n.path() + ".add." + name, name, value, request));
        for (int i = 0; i < remove.size(); i++) {
            checkHeaderOp(n, n.path() + ".remove[" + i + "]", remove.get(i), "", false);
        }
        return new HeaderOps(Map.copyOf(set), Map.copyOf(add), remove);
    }

    private static void checkHeaderOp(YamlNode n, String field, String name, String value, boolean authorityAllowed) {
        if (name.isEmpty()) {
            n.problems().add(field, "header name must not be empty");
        } else if (name.startsWith(":") && !(authorityAllowed && name.equals(":authority"))) {
            n.problems()
                    .add(
                            field,
                            "header " + name + " cannot be changed: names starting with ':' are pseudo-headers"
                                    + (authorityAllowed ? " (only :authority may be set on a request)" : ""));
        } else if (!authorityAllowed && name.equalsIgnoreCase("host")) {
            n.problems()
                    .add(
                            field,
                            "header " + name + " cannot be changed here: to change the host, use rewrite.authority"
                                    + " (or :authority in headers.request.set)");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                n.problems()
                        .add(
                                field,
                                String.format(
                                        "header value must not contain control characters (found U+%04X at"
                                                + " index %d); a line break cannot be part of a header",
                                        (int) c, i));
                break;
            }
        }
    }

    private static DirectResponse directResponse(YamlNode n) {
        n.onlyFields(Set.of("status", "body"));
        int status = n.integer("status").map(Long::intValue).orElse(0);
        if (status < 200 || status > 599) {
            n.problems().add(n.path() + ".status", "must be an HTTP status between 200 and 599, got " + status);
        }
        Optional<String> body = Optional.empty();
        if (n.has("body")) {
            YamlNode b = n.obj("body");
            b.onlyFields(Set.of("string", "bytes"));
            body = b.str("string")
                    .or(() -> b.str("bytes")
                            .map(s -> new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8)));
        }
        return new DirectResponse(status, body);
    }

    private static Retry retry(YamlNode n) {
        n.onlyFields(Set.of("attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities"));
        int attempts = n.integer("attempts").map(Long::intValue).orElse(0);
        if (attempts < 0) {
            n.problems().add(n.path() + ".attempts", "must be >= 0, got " + attempts);
        }
        Optional<String> retryOn = n.str("retryOn");
        retryOn.ifPresent(text -> {
            for (String policy : text.split(",")) {
                String p = policy.trim();
                if (!RETRY_ON.contains(p) && !p.matches("\\d{3}")) {
                    n.problems()
                            .add(
                                    n.path() + ".retryOn",
                                    "\"" + p + "\" is not a retry condition; expected a status code or one of "
                                            + String.join(
                                                    ", ",
                                                    RETRY_ON.stream().sorted().toList()));
                }
            }
        });
        return new Retry(attempts, n.duration("perTryTimeout"), retryOn);
    }

    private static Fault fault(YamlNode n) {
        n.onlyFields(Set.of("delay", "abort"));
        Optional<Delay> delay = Optional.empty();
        if (n.has("delay")) {
            YamlNode d = n.obj("delay");
            d.onlyFields(Set.of("fixedDelay", "exponentialDelay", "percentage", "percent"));
            if (!d.has("fixedDelay")) {
                d.problems().add(d.path() + ".fixedDelay", "is required");
            }
            // Istio: "If left unspecified, no request will be delayed."
            double pct = Percent.read(d, "percentage")
                    .orElse(d.integer("percent").map(Long::doubleValue).orElse(0.0));
            delay = d.duration("fixedDelay").map(fd -> new Delay(fd, pct));
        }
        Optional<Abort> abort = Optional.empty();
        if (n.has("abort")) {
            YamlNode a = n.obj("abort");
            a.onlyFields(Set.of("httpStatus", "grpcStatus", "http2Error", "percentage"));
            Optional<String> grpc = a.str("grpcStatus");
            int kinds = (a.has("httpStatus") ? 1 : 0) + (grpc.isPresent() ? 1 : 0) + (a.has("http2Error") ? 1 : 0);
            if (kinds > 1) {
                a.problem("must set only one of httpStatus, grpcStatus, http2Error");
            }
            int grpcCode = -1;
            int status = 0;
            if (grpc.isPresent()) {
                grpcCode = VirtualService.GRPC_CODES.indexOf(grpc.get());
                if (grpcCode < 0) {
                    a.problems()
                            .add(
                                    a.path() + ".grpcStatus",
                                    "must be a gRPC status name such as UNAVAILABLE (one of "
                                            + String.join(", ", VirtualService.GRPC_CODES) + "), got \""
                                            + grpc.get() + "\"");
                }
            } else if (a.has("http2Error")) {
                a.problems().add(a.path() + ".http2Error", "is not supported (Istio does not implement it either)");
            } else {
                status = a.integer("httpStatus").map(Long::intValue).orElse(0);
                if (status < 200 || status > 599) {
                    a.problems()
                            .add(a.path() + ".httpStatus", "must be an HTTP status between 200 and 599, got " + status);
                }
            }
            // Istio: "If not specified, no request will be aborted."
            abort = Optional.of(new Abort(status, Percent.read(a, "percentage").orElse(0.0), grpcCode));
        }
        if (delay.isEmpty() && abort.isEmpty() && n.problems().isEmpty()) {
            n.problem("must have delay or abort");
        }
        return new Fault(delay, abort);
    }
}
