package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A scenario's {@code {gateway: {name, namespace, labels, ports, serviceAccount}}} workload. */
final class GatewayWorkloads {

    private static final Set<String> KEYS = Set.of("name", "namespace", "labels", "ports", "serviceAccount");

    private GatewayWorkloads() {}

    static Optional<Scenario.Workload> read(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, "{name, namespace, labels, ports, serviceAccount}")) {
            return Optional.empty();
        }
        r.only(n, path, KEYS);
        String name = r.text(n, path, "name", true).orElse("");
        Map<String, String> labels = GatewayWorkload.defaultLabels(name);
        JsonNode l = n.get("labels");
        if (l != null && l.isObject()) {
            labels = new LinkedHashMap<>();
            for (var it = l.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getValue().isValueNode()) {
                    r.problem(path + ".labels." + f.getKey(), "must be a string");
                }
                labels.put(f.getKey(), f.getValue().asText());
            }
        } else if (l != null) {
            r.problem(path + ".labels", "must be a map of label: value, such as {istio: my-ingress}");
        }
        List<Integer> ports = GatewayWorkload.DEFAULT_PORTS;
        JsonNode p = n.get("ports");
        if (p != null && p.isArray()) {
            ports = new ArrayList<>();
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).canConvertToInt()) {
                    r.problem(path + ".ports[" + i + "]", "must be a port number, got " + p.get(i));
                } else {
                    ports.add(p.get(i).asInt());
                }
            }
        } else if (p != null) {
            r.problem(path + ".ports", "must be a list of port numbers, such as [80, 443]");
        }
        if (name.isEmpty()) {
            return Optional.empty();
        }
        GatewayWorkload.Parsed parsed = GatewayWorkload.of(
                name,
                r.text(n, path, "namespace", false).orElse(GatewayWorkload.DEFAULT_NAMESPACE),
                labels,
                ports,
                r.text(n, path, "serviceAccount", false));
        parsed.problems().forEach(problem -> r.problem(path, problem));
        return parsed.gateway().map(g -> g);
    }
}
