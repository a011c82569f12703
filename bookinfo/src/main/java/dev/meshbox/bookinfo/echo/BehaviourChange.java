package dev.meshbox.bookinfo.echo;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The body of {@code POST /__meshbox/behaviour}: {@code {"latencyMs": 2000, "errorRate": 0.5,
 * "errorStatus": 503, "failFirst": 2, "seed": 7}}, every field optional; absent fields keep their value.
 */
public record BehaviourChange(
        OptionalLong latencyMs,
        OptionalDouble errorRate,
        OptionalInt errorStatus,
        OptionalInt failFirst,
        OptionalLong seed) {
    private static final List<String> FIELDS = List.of("latencyMs", "errorRate", "errorStatus", "failFirst", "seed");

    /** @throws EchoBehaviour.InvalidBehaviour naming the first field that is unknown or of the wrong type */
    public static BehaviourChange parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new EchoBehaviour.InvalidBehaviour(
                    "", "must be a JSON object with any of " + String.join(", ", FIELDS));
        }
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new EchoBehaviour.InvalidBehaviour(
                        field.getKey(), "unknown field, expected one of " + String.join(", ", FIELDS));
            }
        }
        return new BehaviourChange(
                wholeNumber(body, "latencyMs"),
                number(body, "errorRate"),
                toInt(wholeNumber(body, "errorStatus"), "errorStatus"),
                toInt(wholeNumber(body, "failFirst"), "failFirst"),
                wholeNumber(body, "seed"));
    }

    EchoBehaviour applyTo(EchoBehaviour current) {
        return new EchoBehaviour(
                latencyMs.isPresent() ? Duration.ofMillis(latencyMs.getAsLong()) : current.latency(),
                errorRate.orElse(current.errorRate()),
                errorStatus.orElse(current.errorStatus()),
                failFirst.orElse(current.failFirst()),
                seed.orElse(current.seed()));
    }

    private static OptionalDouble number(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw new EchoBehaviour.InvalidBehaviour(field, "must be a number, got " + value);
        }
        return OptionalDouble.of(value.doubleValue());
    }

    private static OptionalLong wholeNumber(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new EchoBehaviour.InvalidBehaviour(field, "must be a whole number, got " + value);
        }
        return OptionalLong.of(value.longValue());
    }

    private static OptionalInt toInt(OptionalLong value, String field) {
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        long v = value.getAsLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new EchoBehaviour.InvalidBehaviour(field, "out of range, got " + v);
        }
        return OptionalInt.of((int) v);
    }
}
