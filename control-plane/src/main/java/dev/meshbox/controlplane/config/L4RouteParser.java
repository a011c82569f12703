package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.VirtualService.L4Match;
import dev.meshbox.controlplane.config.VirtualService.L4Route;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and validates a VirtualService's {@code tcp:} and {@code tls:} rules as Istio's webhook does
 * ({@code pkg/config/validation} {@code validateTCPRoute}, {@code validateTLSRoute}): a TLS rule needs a match, each
 * TLS match needs {@code sniHosts} that the VirtualService's hosts cover, a rule routes to at least one destination,
 * weights are not negative and do not all add up to 0, and HTTP-only match fields ({@code uri}, {@code headers}...)
 * have no place in an L4 rule.
 */
final class L4RouteParser {

    private static final Set<String> RULE = Set.of("match", "route");
    private static final Set<String> TCP_MATCH =
            Set.of("port", "destinationSubnets", "sourceLabels", "gateways", "sourceNamespace", "sourceSubnet");
    private static final Set<String> TLS_MATCH = Set.of(
            "sniHosts", "port", "destinationSubnets", "sourceLabels", "gateways", "sourceNamespace", "sourceSubnet");
    private static final Set<String> HTTP_ONLY = Set.of(
            "uri",
            "scheme",
            "method",
            "authority",
            "headers",
            "queryParams",
            "ignoreUriCase",
            "withoutHeaders",
            "name",
            "statPrefix");
    private static final Set<String> HTTP_RULE_FIELDS = Set.of(
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
            "corsPolicy",
            "headers",
            "name");

    private L4RouteParser() {}

    static List<L4Route> tcp(YamlNode spec) {
        return spec.list("tcp", n -> rule(n, false, List.of()));
    }

    static List<L4Route> tls(YamlNode spec, List<String> hosts) {
        return spec.list("tls", n -> rule(n, true, hosts));
    }

    private static L4Route rule(YamlNode n, boolean tls, List<String> hosts) {
        String kind = tls ? "TLS" : "TCP";
        if (n.isObject()) {
            for (String field : HTTP_RULE_FIELDS) {
                if (n.has(field)) {
                    n.problems()
                            .add(
                                    n.path() + "." + field,
                                    "is an HTTP route field; a " + kind + " route has only match and route");
                }
            }
        }
        n.onlyFields(union(RULE, HTTP_RULE_FIELDS));
        List<YamlNode> matchNodes = n.list("match");
        if (tls && matchNodes.isEmpty()) {
            n.problems().add(n.path() + ".match", "TLS route must have at least one match condition");
        }
        List<L4Match> matches = n.list("match", m -> match(m, tls, hosts));
        List<RouteDestination> route = n.list("route", VirtualServiceParser::readRouteDestination).stream()
                .filter(Objects::nonNull)
                .toList();
        if (n.list("route").isEmpty()) {
            n.problems().add(n.path() + ".route", "must list at least one destination (a " + kind + " route)");
        }
        VirtualServiceParser.checkRouteWeights(n, route);
        return new L4Route(matches, route);
    }

    private static L4Match match(YamlNode m, boolean tls, List<String> hosts) {
        String kind = tls ? "TLS" : "TCP";
        if (m.isObject()) {
            for (String field : HTTP_ONLY) {
                if (m.has(field)) {
                    m.problems()
                            .add(
                                    m.path() + "." + field,
                                    "is an HTTP match field; a " + kind
                                            + " route matches only on "
                                            + String.join(
                                                    ", ",
                                                    (tls ? TLS_MATCH : TCP_MATCH)
                                                            .stream().sorted().toList()));
                }
            }
            if (!tls && m.has("sniHosts")) {
                m.problems().add(m.path() + ".sniHosts", "is a TLS match field; use a tls: route to match on SNI");
            }
        }
        m.onlyFields(union(tls ? TLS_MATCH : union(TCP_MATCH, Set.of("sniHosts")), HTTP_ONLY));
        var port = m.integer("port").map(Long::intValue);
        port.ifPresent(p -> {
            if (p < 1 || p > 65535) {
                m.problems().add(m.path() + ".port", "must be a port between 1 and 65535, got " + p);
            }
        });
        List<String> subnets = m.strings("destinationSubnets");
        for (int i = 0; i < subnets.size(); i++) {
            if (!validSubnet(subnets.get(i))) {
                m.problems()
                        .add(
                                m.path() + ".destinationSubnets[" + i + "]",
                                "\"" + subnets.get(i) + "\" is not a valid IP address or CIDR");
            }
        }
        List<String> sni = tls ? m.strings("sniHosts") : List.of();
        if (tls && sni.isEmpty()) {
            m.problems().add(m.path() + ".sniHosts", "TLS match must have at least one SNI host");
        }
        for (int i = 0; i < sni.size(); i++) {
            if (!hosts.isEmpty() && !covered(sni.get(i), hosts)) {
                m.problems()
                        .add(
                                m.path() + ".sniHosts[" + i + "]",
                                "the SNI host " + sni.get(i)
                                        + " is not a compatible subset of any of the virtual service hosts: ["
                                        + String.join(", ", hosts) + "]");
            }
        }
        return new L4Match(
                port,
                subnets,
                m.stringMap("sourceLabels"),
                m.strings("gateways"),
                sni.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
                m.str("sourceNamespace"));
    }

    /** Whether a VirtualService host covers the SNI host: equal, or a wildcard host whose suffix it has. */
    static boolean covered(String sni, List<String> hosts) {
        String s = sni.toLowerCase(Locale.ROOT);
        for (String raw : hosts) {
            String h = raw.toLowerCase(Locale.ROOT);
            if (h.equals("*") || h.equals(s)) {
                return true;
            }
            if (h.startsWith("*.") && (s.endsWith(h.substring(1)) && !s.startsWith("*") || s.equals(h))) {
                return true;
            }
            if (!h.contains(".") && s.startsWith(h + ".")) {
                return true; // a short service name covers its FQDN forms
            }
        }
        return false;
    }

    private static boolean validSubnet(String s) {
        String ip = s.contains("/") ? s.substring(0, s.indexOf('/')) : s;
        if (s.contains("/")) {
            try {
                int bits = Integer.parseInt(s.substring(s.indexOf('/') + 1));
                if (bits < 0 || bits > (ip.contains(":") ? 128 : 32)) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (ip.contains(":")) {
            return ip.matches("[0-9a-fA-F:.]+");
        }
        String[] parts = ip.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
