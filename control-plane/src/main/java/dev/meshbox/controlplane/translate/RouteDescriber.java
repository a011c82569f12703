package dev.meshbox.controlplane.translate;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Says in a line how one proxy routes a host: each route in order with the Istio rule it came from, what it
 * matches, and where it sends (with weights). Scenario and test failures use it to explain an observed split.
 */
public final class RouteDescriber {

    private RouteDescriber() {}

    /** The routes for {@code host} ({@code reviews}, {@code reviews:9080}) in a proxy's resources, or empty. */
    public static Optional<String> describe(XdsResources resources, String host) {
        for (RouteConfiguration rc : resources.routes()) {
            for (VirtualHost vh : rc.getVirtualHostsList()) {
                if (vh.getName().equals("allow_any") || !vh.getDomainsList().contains(host)) {
                    continue;
                }
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < vh.getRoutesCount(); i++) {
                    parts.add("[" + (i + 1) + "] " + route(vh.getRoutes(i)));
                }
                return Optional.of("route " + rc.getName() + " for " + host + ": " + String.join("; ", parts));
            }
        }
        return Optional.empty();
    }

    private static String route(Route r) {
        String origin = "default route (no VirtualService)";
        var istio = r.getMetadata().getFilterMetadataMap().get("istio");
        if (istio != null && istio.containsFields("config")) {
            String config = istio.getFieldsOrThrow("config").getStringValue();
            String[] p = config.split("/");
            String rule = istio.containsFields("rule")
                    ? " " + istio.getFieldsOrThrow("rule").getStringValue()
                    : "";
            origin = p.length >= 3 ? "VirtualService " + p[p.length - 3] + "/" + p[p.length - 1] + rule : config;
        }
        String match = match(r.getMatch());
        return origin + (match.isEmpty() ? "" : " when " + match) + " -> " + action(r);
    }

    private static String match(RouteMatch m) {
        List<String> parts = new ArrayList<>();
        switch (m.getPathSpecifierCase()) {
            case PATH -> parts.add("path = " + m.getPath());
            case SAFE_REGEX -> parts.add("path ~ " + m.getSafeRegex().getRegex());
            case PREFIX -> {
                if (!m.getPrefix().equals("/")) {
                    parts.add("path starts " + m.getPrefix());
                }
            }
            default -> {}
        }
        for (HeaderMatcher h : m.getHeadersList()) {
            String value = h.hasStringMatch()
                    ? switch (h.getStringMatch().getMatchPatternCase()) {
                        case EXACT -> "= " + h.getStringMatch().getExact();
                        case PREFIX -> "starts " + h.getStringMatch().getPrefix();
                        case SAFE_REGEX ->
                            "~ " + h.getStringMatch().getSafeRegex().getRegex();
                        default -> "matches";
                    }
                    : "present";
            parts.add(h.getName() + (h.getInvertMatch() ? " not " : " ") + value);
        }
        m.getQueryParametersList().forEach(q -> parts.add("?" + q.getName()));
        return String.join(", ", parts);
    }

    private static String action(Route r) {
        if (r.hasDirectResponse()) {
            return "direct response " + r.getDirectResponse().getStatus();
        }
        if (r.hasRedirect()) {
            return "redirect";
        }
        var a = r.getRoute();
        String fault = r.getTypedPerFilterConfigMap().containsKey(Names.FAULT) ? " (fault injected)" : "";
        if (a.hasWeightedClusters()) {
            List<String> w = new ArrayList<>();
            long total = a.getWeightedClusters().getClustersList().stream()
                    .mapToLong(c -> c.getWeight().getValue())
                    .sum();
            a.getWeightedClusters()
                    .getClustersList()
                    .forEach(c -> w.add(c.getName() + " "
                            + (total == 0 ? 0 : Math.round(100.0 * c.getWeight().getValue() / total)) + "%"));
            return String.join(", ", w) + fault;
        }
        return a.getCluster() + fault;
    }
}
