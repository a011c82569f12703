package dev.meshbox.controlplane.config;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and validates a PeerAuthentication spec as Istio's webhook does ({@code ValidatePeerAuthentication} and
 * {@code validateWorkloadSelector} in {@code pkg/config/validation}) and as its schema does (the mode enum, integer
 * ports), naming the field of each problem.
 */
final class PeerAuthenticationParser {

    private static final String MODES = "UNSET, DISABLE, PERMISSIVE, STRICT";

    private PeerAuthenticationParser() {}

    static PeerAuthentication parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("selector", "mtls", "portLevelMtls"));
        YamlNode.Problems p = spec.problems();
        YamlNode selector = spec.obj("selector");
        selector.onlyFields(Set.of("matchLabels"));
        Map<String, String> labels = selector.stringMap("matchLabels");
        labels.forEach((k, v) -> {
            if (k.isEmpty()) {
                p.add("spec.selector.matchLabels", "empty key is not supported in selector: \"=" + v + "\"");
            }
            if (k.contains("*") || v.contains("*")) {
                p.add(
                        "spec.selector.matchLabels." + k,
                        "wildcard is not supported in selector: \"" + k + "=" + v + "\"");
            }
        });
        PeerAuthentication.Mode mode = mode(spec.obj("mtls"));
        Map<Integer, PeerAuthentication.Mode> ports = new TreeMap<>();
        if (spec.has("portLevelMtls")) {
            Map<String, YamlNode> entries = spec.entries("portLevelMtls");
            if (entries.isEmpty() && spec.obj("portLevelMtls").isObject()) {
                p.add("spec.portLevelMtls", "port level mTLS, if defined, must have at least one element");
            }
            if (!entries.isEmpty() && labels.isEmpty()) {
                p.add(
                        "spec.portLevelMtls",
                        "mesh/namespace peer authentication cannot have port level mTLS; add"
                                + " spec.selector.matchLabels to set modes per port");
            }
            entries.forEach((key, value) -> {
                Integer port = port(key);
                if (port == null) {
                    p.add("spec.portLevelMtls." + key, "port must be in range 1..65535, got \"" + key + "\"");
                }
                if (!value.isObject()) {
                    value.problem("must be an object such as {mode: DISABLE}");
                    return;
                }
                PeerAuthentication.Mode portMode = mode(value);
                if (port != null) {
                    ports.put(port, portMode);
                }
            });
        }
        return new PeerAuthentication(meta, yaml, labels, spec.has("selector") && labels.isEmpty(), mode, ports);
    }

    /** {@code mode} of a {@code MutualTLS} object; UNSET when left out. */
    private static PeerAuthentication.Mode mode(YamlNode mtls) {
        mtls.onlyFields(Set.of("mode"));
        String text = mtls.str("mode").orElse("UNSET");
        return Arrays.stream(PeerAuthentication.Mode.values())
                .filter(m -> m.name().equals(text))
                .findFirst()
                .orElseGet(() -> {
                    mtls.problems().add(mtls.path() + ".mode", "must be one of " + MODES + ", got \"" + text + "\"");
                    return PeerAuthentication.Mode.UNSET;
                });
    }

    private static Integer port(String key) {
        if (!key.matches("\\d{1,5}")) {
            return null;
        }
        int port = Integer.parseInt(key);
        return port >= 1 && port <= 65535 ? port : null;
    }
}
