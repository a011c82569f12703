package dev.meshbox.launcher.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy's response flags in words, pointing at the Istio setting behind each, so a failed assertion says which
 * mechanism answered instead of leaving the reader to look up two-letter codes.
 */
final class FlagMeanings {

    private static final Map<String, String> MEANINGS = Map.ofEntries(
            Map.entry(
                    "UO",
                    "overflow: the DestinationRule's connectionPool limits were full, the circuit breaker refused it"),
            Map.entry("FI", "fault abort injected by a VirtualService"),
            Map.entry("DI", "fault delay injected by a VirtualService"),
            Map.entry("UT", "upstream timeout: the route's timeout expired"),
            Map.entry("URX", "retries exhausted: every attempt of the route's retry policy failed"),
            Map.entry("NC", "no such cluster: a route names a subset that no DestinationRule defines"),
            Map.entry("UH", "no healthy upstream: no endpoints in the subset, or all of them ejected"),
            Map.entry("NR", "no route: no virtual host or VirtualService route matched the request"),
            Map.entry("UF", "upstream connection failure"),
            Map.entry("UC", "upstream connection terminated"),
            Map.entry("UR", "upstream reset the stream"),
            Map.entry("LR", "reset locally by the proxy"),
            Map.entry("DC", "the caller closed the connection"));

    private FlagMeanings() {}

    /** {@code UO} gives {@code UO (overflow: ...)}; {@code -} gives {@code - (no flag)}. */
    static String describe(String flags) {
        if (flags == null || flags.isEmpty() || flags.equals("-")) {
            return "- (no flag)";
        }
        List<String> parts = new ArrayList<>();
        for (String f : flags.split(",")) {
            String meaning = MEANINGS.get(f);
            parts.add(meaning == null ? f : f + " (" + meaning + ")");
        }
        return String.join(", ", parts);
    }

    static boolean has(String flags, String flag) {
        return flags != null && List.of(flags.split(",")).contains(flag);
    }
}
