package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.DestinationRule.Distribute;
import dev.meshbox.controlplane.config.DestinationRule.Failover;
import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates {@code loadBalancer.localityLbSetting} with the rules and messages of Istio's
 * {@code ValidateLocalityLbSetting}: {@code distribute} and {@code failover} exclude each other, each {@code to} map's
 * weights are in [1, 100] and total 100, localities have at most one trailing {@code *} and do not overlap, a
 * {@code failover} names two different regions without {@code /} or {@code *}, and {@code failover} does not go with
 * a topology label in {@code failoverPriority}.
 */
final class LocalityLbSettingParser {

    static final String REGION = "topology.kubernetes.io/region";
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String SUBZONE = "topology.istio.io/subzone";

    private LocalityLbSettingParser() {}

    static LocalityLbSetting parse(YamlNode n) {
        n.onlyFields(Set.of("enabled", "distribute", "failover", "failoverPriority"));
        List<YamlNode> distributeNodes = n.list("distribute");
        List<YamlNode> failoverNodes = n.list("failover");
        List<String> priority = n.strings("failoverPriority");
        List<Distribute> distribute = new ArrayList<>();
        for (YamlNode d : distributeNodes) {
            d.onlyFields(Set.of("from", "to"));
            Map<String, Integer> to = new LinkedHashMap<>();
            d.stringMap("to").forEach((locality, text) -> {
                int weight;
                try {
                    weight = Integer.parseInt(text.trim());
                } catch (NumberFormatException e) {
                    d.problems().add(d.path() + ".to." + locality, "must be an integer weight, got \"" + text + "\"");
                    return;
                }
                to.put(locality, weight);
            });
            distribute.add(new Distribute(d.str("from").orElse(""), to));
        }
        List<Failover> failover = new ArrayList<>();
        for (YamlNode f : failoverNodes) {
            f.onlyFields(Set.of("from", "to"));
            failover.add(new Failover(f.requiredStr("from"), f.requiredStr("to")));
        }
        LocalityLbSetting setting = new LocalityLbSetting(n.bool("enabled"), distribute, failover, priority);
        validate(n, setting, distributeNodes, failoverNodes);
        return setting;
    }

    private static void validate(
            YamlNode n, LocalityLbSetting s, List<YamlNode> distributeNodes, List<YamlNode> failoverNodes) {
        if (!s.distribute().isEmpty() && !s.failover().isEmpty()) {
            n.problem("can not simultaneously specify 'distribute' and 'failover'");
            return;
        }
        if (!s.failover().isEmpty()) {
            for (String label : s.failoverPriority()) {
                if (label.equals(REGION) || label.equals(ZONE) || label.equals(SUBZONE)) {
                    n.problems()
                            .add(
                                    n.path() + ".failoverPriority",
                                    "can not simultaneously set 'failover' and topology label '" + label
                                            + "' in 'failover_priority'");
                    return;
                }
            }
        }
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < s.distribute().size(); i++) {
            Distribute d = s.distribute().get(i);
            YamlNode node = distributeNodes.get(i);
            sources.add(d.from());
            int total = 0;
            for (Map.Entry<String, Integer> e : d.to().entrySet()) {
                if (e.getValue() <= 0 || e.getValue() > 100) {
                    node.problems().add(node.path() + ".to." + e.getKey(), "locality weight must be in range [1, 100]");
                    return;
                }
                total += e.getValue();
            }
            if (total != 100) {
                node.problems().add(node.path() + ".to", "total locality weight " + total + " != 100");
                return;
            }
            String problem = overlap(new ArrayList<>(d.to().keySet()));
            if (problem != null) {
                node.problems().add(node.path() + ".to", problem);
            }
        }
        String problem = overlap(sources);
        if (problem != null) {
            n.problems().add(n.path() + ".distribute", problem);
        }
        for (int i = 0; i < s.failover().size(); i++) {
            Failover f = s.failover().get(i);
            YamlNode node = failoverNodes.get(i);
            if (f.from().equals(f.to())) {
                node.problem("locality lb failover settings must specify different regions");
            }
            if (f.from().contains("/") || f.to().contains("/")) {
                node.problem("locality lb failover only specify region");
            }
            if (f.from().contains("*") || f.to().contains("*")) {
                node.problem("locality lb failover region should not contain '*' wildcard");
            }
        }
    }

    /** Istio's {@code validateLocalities}: the first problem with a list of localities, or null. */
    static String overlap(List<String> localities) {
        Map<String, Map<String, Set<String>>> seen = new HashMap<>();
        for (String locality : localities) {
            long stars = locality.chars().filter(c -> c == '*').count();
            if (stars > 1 || (stars == 1 && !locality.endsWith("*"))) {
                return "locality " + locality + " wildcard '*' number can not exceed 1 and must be in the end";
            }
            if (seen.containsKey("*")) {
                return "locality " + locality + " overlap with previous specified ones";
            }
            String[] items = locality.split("/", 3);
            for (String item : locality.split("/", -1)) {
                if (item.isEmpty()) {
                    return "locality " + locality + " must not contain empty region/zone/subzone info";
                }
            }
            String region = items[0];
            String overlap = "locality " + locality + " overlap with previous specified ones";
            Map<String, Set<String>> zones = seen.get(region);
            switch (items.length) {
                case 1 -> {
                    if (zones != null) {
                        return overlap;
                    }
                    seen.put(region, new HashMap<>(Map.of("*", Set.of("*"))));
                }
                case 2 -> {
                    if (zones != null && (zones.containsKey("*") || zones.containsKey(items[1]))) {
                        return overlap;
                    }
                    seen.computeIfAbsent(region, k -> new HashMap<>()).put(items[1], Set.of("*"));
                }
                default -> {
                    if (zones != null && zones.containsKey("*")) {
                        return overlap;
                    }
                    Set<String> subzones = zones == null ? null : zones.get(items[1]);
                    if (subzones != null && (subzones.contains("*") || subzones.contains(items[2]))) {
                        return overlap;
                    }
                    Set<String> next = new java.util.HashSet<>(subzones == null ? Set.of() : subzones);
                    next.add(items[2]);
                    seen.computeIfAbsent(region, k -> new HashMap<>()).put(items[1], next);
                }
            }
        }
        return null;
    }
}
