package dev.meshbox.bookinfo.echo;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The body of {@code POST /__meshbox/behaviour}: {@code {"latencyMs": 2000, "errorRate": 0.5,
 * "errorStatus": 503, "failFirst": 2, "seed": 7}}, every field optional; absent fields keep their value.
 */
public record BehaviourChange(OptionalLong latencyMs, OptionalDouble errorRate, OptionalInt errorStatus,
                              OptionalInt failFirst, OptionalLong seed) {
  private static final List<String> FIELDS = List.of("latencyMs", "errorRate", "errorStatus", "failFirst", "seed");

  /** @throws EchoBehaviour.InvalidBehaviour naming the first field that is unknown or of the wrong type */
  public static BehaviourChange parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new EchoBehaviour.InvalidBehaviour("behaviour",
          "must be a JSON object with any of " + String.join(", ", FIELDS));
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      String name = it.next().getKey();
      if (!FIELDS.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new EchoBehaviour.InvalidBehaviour(unknown.get(0),
          "unknown field, expected one of " + String.join(", ", FIELDS));
    }
    OptionalLong latency = wholeNumber(body, "latencyMs");
    OptionalDouble errorRate = body.has("errorRate") ? OptionalDouble.of(number(body, "errorRate")) : OptionalDouble.empty();
    OptionalLong errorStatus = wholeNumber(body, "errorStatus");
    OptionalLong failFirst = wholeNumber(body, "failFirst");
    return new BehaviourChange(latency, errorRate, toInt(errorStatus, "errorStatus"), toInt(failFirst, "failFirst"),
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

  private static double number(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (!value.isNumber()) {
      throw new EchoBehaviour.InvalidBehaviour(field, "must be a number, got " + value);
    }
    return value.doubleValue();
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
