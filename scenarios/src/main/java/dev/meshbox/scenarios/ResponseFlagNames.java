package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Envoy's response flags with the mechanism each stands for, so a failure says which one answered. */
final class ResponseFlagNames {
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("UH", "no healthy upstream"),
            Map.entry("UF", "upstream connection failure"),
            Map.entry("UO", "circuit breaker overflow"),
            Map.entry("NR", "no route"),
            Map.entry("URX", "retries exhausted"),
            Map.entry("UT", "upstream timeout"),
            Map.entry("DI", "fault delay"),
            Map.entry("FI", "fault abort"),
            Map.entry("UC", "upstream connection termination"),
            Map.entry("LR", "local reset"),
            Map.entry("DC", "downstream connection termination"),
            Map.entry("NC", "no cluster (undefined subset?)"),
            Map.entry("UR", "upstream remote reset"));

    private ResponseFlagNames() {}

    /** {@code UO} becomes {@code UO (circuit breaker overflow)}; {@code -} becomes {@code - (none)}. */
    static String describe(String flags) {
        if (flags == null || flags.isEmpty() || flags.equals("-")) {
            return "- (none)";
        }
        List<String> parts = new ArrayList<>();
        for (String f : flags.split(",")) {
            parts.add(NAMES.containsKey(f) ? f + " (" + NAMES.get(f) + ")" : f);
        }
        return String.join(",", parts);
    }
}
