package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** A scenario's scalar top-level fields: {@code seed} and {@code tracing}, with their problems reported. */
final class ScenarioTopLevel {

    private ScenarioTopLevel() {}

    /** {@code seed}: an integer, or empty. */
    static Optional<Long> seed(FieldReader r, JsonNode root) {
        if (!root.has("seed")) {
            return Optional.empty();
        }
        if (root.get("seed").isIntegralNumber()) {
            return Optional.of(root.get("seed").asLong());
        }
        r.problem("seed", "must be an integer");
        return Optional.empty();
    }

    /** {@code tracing}: true or false (default false). */
    static boolean tracing(FieldReader r, JsonNode root) {
        if (!root.has("tracing")) {
            return false;
        }
        if (root.get("tracing").isBoolean()) {
            return root.get("tracing").asBoolean();
        }
        r.problem("tracing", "must be true or false (true runs Istio's Zipkin addon beside the mesh)");
        return false;
    }
}
