package dev.meshbox.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The mesh config's {@code localityLbSetting}: Istio's mesh-wide default for every DestinationRule that sets none
 * ({@code GetLocalityLbSetting}: a DestinationRule's own setting wins, {@code enabled: false} there or here switches
 * locality load balancing off). It is read with the DestinationRule field's rules and messages.
 */
public final class MeshLocalityLb {

    /** Istio's default mesh config: locality load balancing on, no distribute or failover rules. */
    public static final LocalityLbSetting DEFAULT =
            new LocalityLbSetting(Optional.empty(), List.of(), List.of(), List.of());

    private MeshLocalityLb() {}

    /** {@code localityLbSetting} of the mesh config text; IllegalArgumentException naming source and field. */
    public static LocalityLbSetting read(String source, String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        if (root == null
                || !root.has("localityLbSetting")
                || root.get("localityLbSetting").isNull()) {
            return DEFAULT;
        }
        YamlNode.Problems problems = new YamlNode.Problems(source);
        JsonNode node = root.get("localityLbSetting");
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    source + ": localityLbSetting: must be an object such as {enabled: true, failover: [...]}");
        }
        LocalityLbSetting setting = LocalityLbSettingParser.parse(new YamlNode(node, "localityLbSetting", problems));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    problems.list().stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        }
        return setting;
    }

    /** The setting as mesh config YAML reads it back ({@link #read}), for {@code localityLbSetting}. */
    public static Map<String, Object> write(LocalityLbSetting s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.enabled().ifPresent(e -> out.put("enabled", e));
        if (!s.distribute().isEmpty()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (DestinationRule.Distribute d : s.distribute()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", d.from());
                m.put("to", d.to());
                list.add(m);
            }
            out.put("distribute", list);
        }
        if (!s.failover().isEmpty()) {
            out.put(
                    "failover",
                    s.failover().stream()
                            .map(f -> Map.of("from", f.from(), "to", f.to()))
                            .toList());
        }
        if (!s.failoverPriority().isEmpty()) {
            out.put("failoverPriority", s.failoverPriority());
        }
        return out;
    }
}
