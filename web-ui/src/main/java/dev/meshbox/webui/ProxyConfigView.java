package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A proxy's {@code /config_dump} as {@code istioctl proxy-config} tabulates it: listeners, routes, clusters and
 * endpoints, one row each, with the version the proxy accepted.
 */
final class ProxyConfigView {

    record Listener(String name, String address, int port, String match, String destination, String version) {}

    record Route(
            String routeConfig,
            String virtualHost,
            String domains,
            String match,
            String action,
            String rule,
            String version) {}

    record Cluster(
            String name,
            String fqdn,
            String port,
            String subset,
            String direction,
            String type,
            String policy,
            String version) {}

    record Endpoint(String endpoint, String status, String cluster) {}

    record Tables(List<Listener> listeners, List<Route> routes, List<Cluster> clusters, List<Endpoint> endpoints) {}

    private ProxyConfigView() {}

    static Tables of(JsonNode dump) {
        List<Listener> listeners = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        List<Cluster> clusters = new ArrayList<>();
        List<Endpoint> endpoints = new ArrayList<>();
        for (JsonNode config : dump.path("configs")) {
            String type = config.path("@type").asText();
            if (type.endsWith("ListenersConfigDump")) {
                config.path("dynamic_listeners").forEach(l -> listeners(l.path("active_state"), listeners));
            } else if (type.endsWith("RoutesConfigDump")) {
                config.path("dynamic_route_configs")
                        .forEach(r -> routes(
                                r.path("route_config"), r.path("version_info").asText(), routes));
            } else if (type.endsWith("ClustersConfigDump")) {
                config.path("dynamic_active_clusters")
                        .forEach(c -> clusters.add(cluster(
                                c.path("cluster"), c.path("version_info").asText())));
            } else if (type.endsWith("EndpointsConfigDump")) {
                config.path("dynamic_endpoint_configs").forEach(e -> endpoints(e.path("endpoint_config"), endpoints));
            }
        }
        return new Tables(listeners, routes, clusters, endpoints);
    }

    private static void listeners(JsonNode state, List<Listener> out) {
        JsonNode l = state.path("listener");
        JsonNode socket = l.path("address").path("socket_address");
        String version = state.path("version_info").asText();
        JsonNode chains = l.path("filter_chains");
        if (chains.isEmpty()) {
            out.add(new Listener(
                    l.path("name").asText(),
                    socket.path("address").asText(),
                    socket.path("port_value").asInt(),
                    "ALL",
                    "",
                    version));
        }
        for (JsonNode chain : chains) {
            JsonNode m = chain.path("filter_chain_match");
            String match = m.has("destination_port")
                    ? "port " + m.path("destination_port").asInt()
                    : "ALL";
            List<String> destinations = new ArrayList<>();
            for (JsonNode f : chain.path("filters")) {
                JsonNode tc = f.path("typed_config");
                if (tc.has("rds")) {
                    destinations.add(
                            "Route: " + tc.path("rds").path("route_config_name").asText());
                } else if (tc.has("route_config")) {
                    destinations.add("Inline Route: "
                            + tc.path("route_config").path("name").asText());
                } else if (tc.has("cluster")) {
                    destinations.add("Cluster: " + tc.path("cluster").asText());
                } else {
                    destinations.add(f.path("name").asText());
                }
            }
            out.add(new Listener(
                    l.path("name").asText(),
                    socket.path("address").asText(),
                    socket.path("port_value").asInt(),
                    match,
                    String.join(", ", destinations),
                    version));
        }
    }

    private static void routes(JsonNode rc, String version, List<Route> out) {
        for (JsonNode vh : rc.path("virtual_hosts")) {
            List<String> domains = new ArrayList<>();
            vh.path("domains").forEach(d -> domains.add(d.asText()));
            String shown = domains.isEmpty()
                    ? ""
                    : domains.get(0) + (domains.size() > 1 ? " + " + (domains.size() - 1) + " more" : "");
            for (JsonNode r : vh.path("routes")) {
                String rule = r.path("metadata")
                        .path("filter_metadata")
                        .path("istio")
                        .path("config")
                        .asText("");
                int cut = rule.lastIndexOf("/namespaces/");
                if (cut >= 0) {
                    String[] p = rule.substring(cut + 12).split("/");
                    rule = p.length >= 3 ? p[2] + "." + p[0] : rule;
                }
                out.add(new Route(
                        rc.path("name").asText(),
                        vh.path("name").asText(),
                        shown,
                        match(r.path("match")),
                        action(r),
                        rule,
                        version));
            }
        }
    }

    private static String match(JsonNode m) {
        List<String> parts = new ArrayList<>();
        if (m.has("prefix")) {
            parts.add(m.path("prefix").asText() + "*");
        } else if (m.has("path")) {
            parts.add(m.path("path").asText());
        } else if (m.has("safe_regex")) {
            parts.add("~" + m.path("safe_regex").path("regex").asText());
        }
        for (JsonNode h : m.path("headers")) {
            JsonNode sm = h.path("string_match");
            String value = sm.isMissingNode()
                    ? h.has("present_match") ? "present" : ""
                    : sm.fields().hasNext() ? first(sm) : "";
            parts.add(h.path("name").asText() + (h.path("invert_match").asBoolean() ? " != " : " = ") + value);
        }
        return parts.isEmpty() ? "/*" : String.join(", ", parts);
    }

    private static String first(JsonNode sm) {
        var e = sm.fields().next();
        return e.getKey() + " " + e.getValue().asText();
    }

    private static String action(JsonNode r) {
        JsonNode a = r.path("route");
        if (a.has("cluster")) {
            return a.path("cluster").asText() + extras(r, a);
        }
        if (a.has("weighted_clusters")) {
            List<String> w = new ArrayList<>();
            a.path("weighted_clusters")
                    .path("clusters")
                    .forEach(c -> w.add(
                            c.path("name").asText() + " " + c.path("weight").asInt()));
            return String.join(", ", w) + extras(r, a);
        }
        if (r.has("redirect")) {
            return "redirect";
        }
        if (r.has("direct_response")) {
            return "direct response " + r.path("direct_response").path("status").asInt();
        }
        return "";
    }

    private static String extras(JsonNode r, JsonNode a) {
        StringBuilder sb = new StringBuilder();
        String timeout = a.path("timeout").asText("");
        if (!timeout.isEmpty() && !timeout.equals("0s")) {
            sb.append("; timeout ").append(timeout);
        }
        if (a.has("request_mirror_policies")) {
            a.path("request_mirror_policies")
                    .forEach(
                            m -> sb.append("; mirror ").append(m.path("cluster").asText()));
        }
        JsonNode fault = r.path("typed_per_filter_config").path("envoy.filters.http.fault");
        if (!fault.isMissingNode()) {
            if (fault.has("delay")) {
                sb.append("; fault delay ")
                        .append(fault.path("delay").path("fixed_delay").asText());
            }
            if (fault.has("abort")) {
                sb.append("; fault abort ")
                        .append(fault.path("abort").path("http_status").asInt());
            }
        }
        return sb.toString();
    }

    private static Cluster cluster(JsonNode c, String version) {
        String name = c.path("name").asText();
        String[] p = name.split("\\|", -1);
        boolean istio = p.length == 4;
        List<String> policy = new ArrayList<>();
        if (c.has("lb_policy")) {
            policy.add(c.path("lb_policy").asText());
        }
        for (JsonNode t : c.path("circuit_breakers").path("thresholds")) {
            t.fields().forEachRemaining(e -> {
                if (e.getKey().startsWith("max_")) {
                    policy.add(e.getKey() + " " + e.getValue().asText());
                }
            });
        }
        if (c.has("outlier_detection")) {
            policy.add("outlier detection");
        }
        String type = c.has("type") ? c.path("type").asText() : "EDS";
        return new Cluster(
                name,
                istio ? p[3] : name,
                istio ? p[1] : "-",
                istio ? p[2].isEmpty() ? "-" : p[2] : "-",
                istio ? p[0] : "-",
                type,
                String.join(", ", policy),
                version);
    }

    private static void endpoints(JsonNode cla, List<Endpoint> out) {
        String cluster = cla.path("cluster_name").asText();
        for (JsonNode locality : cla.path("endpoints")) {
            for (JsonNode e : locality.path("lb_endpoints")) {
                JsonNode s = e.path("endpoint").path("address").path("socket_address");
                out.add(new Endpoint(
                        s.path("address").asText() + ":" + s.path("port_value").asInt(),
                        e.path("health_status").asText("HEALTHY"),
                        cluster));
            }
        }
    }
}
