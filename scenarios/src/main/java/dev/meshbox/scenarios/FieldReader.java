package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads scenario fields and collects problems as {@code file:line: key: what is expected}. */
final class FieldReader {
    private static final Pattern DURATION = Pattern.compile("^(\\d+(?:\\.\\d+)?)(ms|s|m)$");

    final Path file;
    private final LineIndex lines;
    private final List<String> problems = new ArrayList<>();

    FieldReader(Path file, LineIndex lines) {
        this.file = file;
        this.lines = lines;
    }

    void problem(String path, String message) {
        int line = lines.line(path);
        problems.add(file + (line > 0 ? ":" + line : "") + ": " + path + ": " + message);
    }

    void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ScenarioException(String.join("\n", problems));
        }
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void only(JsonNode n, String path, Set<String> known) {
        if (n == null || !n.isObject()) {
            return;
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                problem(
                        join(path, f),
                        "unknown key; expected one of "
                                + known.stream().sorted().toList());
            }
        }
    }

    boolean isObject(JsonNode n, String path, String expected) {
        if (n == null || !n.isObject()) {
            problem(path, "must be an object: " + expected);
            return false;
        }
        return true;
    }

    Optional<String> text(JsonNode n, String path, String key, boolean required) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                problem(join(path, key), "is required");
            }
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            problem(join(path, key), "must be a string");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    int integer(JsonNode n, String path, String key, int dflt, int min, int max) {
        return optionalInt(n, path, key, min, max).orElse(dflt);
    }

    Optional<Integer> optionalInt(JsonNode n, String path, String key, int min, int max) {
        JsonNode v = n.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            problem(join(path, key), "must be an integer between " + min + " and " + max + ", got " + v);
            return Optional.empty();
        }
        return Optional.of(v.asInt());
    }

    Optional<Double> optionalFraction(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
            problem(join(path, key), "must be a fraction between 0 and 1 (0.03 means 3 points), got " + v);
            return Optional.empty();
        }
        return Optional.of(v.asDouble());
    }

    double fraction(JsonNode n, String path, String key, double dflt) {
        return optionalFraction(n, path, key).orElse(dflt);
    }

    /** {@code 6s}, {@code 500ms}, {@code 1.5s}, {@code 1m}. */
    Optional<Duration> duration(JsonNode n, String path, String key) {
        JsonNode v = n.get(key);
        if (v == null) {
            return Optional.empty();
        }
        Matcher m = DURATION.matcher(v.asText().trim());
        if (!v.isTextual() || !m.matches()) {
            problem(join(path, key), "must be a duration such as 500ms, 6s or 1m, got " + v);
            return Optional.empty();
        }
        double value = Double.parseDouble(m.group(1));
        long millis = Math.round(value
                * switch (m.group(2)) {
                    case "ms" -> 1;
                    case "s" -> 1000;
                    default -> 60_000;
                });
        return Optional.of(Duration.ofMillis(millis));
    }

    /** A map of names to fractions that add up to at most 1. */
    Map<String, Double> shares(JsonNode n, String path) {
        Map<String, Double> out = new LinkedHashMap<>();
        JsonNode s = n.get("shares");
        String p = join(path, "shares");
        if (s == null || !s.isObject() || s.isEmpty()) {
            problem(p, "must map each version or status to its expected share, e.g. {v1: 0.9, v2: 0.1}");
            return out;
        }
        double total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()
                    || e.getValue().asDouble() < 0
                    || e.getValue().asDouble() > 1) {
                problem(p + "." + e.getKey(), "must be a fraction between 0 and 1, got " + e.getValue());
                continue;
            }
            total += e.getValue().asDouble();
            out.put(e.getKey(), e.getValue().asDouble());
        }
        if (total > 1.0 + 1e-9) {
            problem(p, "add up to " + total + "; expected shares can add up to at most 1");
        }
        return out;
    }

    /** Reads annotation values (always strings in Kubernetes) under one path, naming the resource in problems. */
    static final class Sub {
        private final FieldReader r;
        private final String path;
        private final String what;

        Sub(FieldReader r, String path, String what) {
            this.r = r;
            this.path = path;
            this.what = what;
        }

        Optional<Duration> duration(Map<String, String> values, String key) {
            String v = values.get(key);
            if (v == null) {
                return Optional.empty();
            }
            Matcher m = DURATION.matcher(v.trim());
            if (!m.matches()) {
                r.problem(path, what + ": " + key + " must be a duration such as 200ms or 1.5s, got \"" + v + "\"");
                return Optional.empty();
            }
            double value = Double.parseDouble(m.group(1));
            return Optional.of(Duration.ofMillis(
                    Math.round(value * (m.group(2).equals("ms") ? 1 : m.group(2).equals("s") ? 1000 : 60_000))));
        }

        Optional<Double> fraction(Map<String, String> values, String key) {
            String v = values.get(key);
            if (v == null) {
                return Optional.empty();
            }
            try {
                double d = Double.parseDouble(v.trim());
                if (d >= 0 && d <= 1) {
                    return Optional.of(d);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            r.problem(path, what + ": " + key + " must be a fraction between 0 and 1, got \"" + v + "\"");
            return Optional.empty();
        }

        Optional<Integer> integer(Map<String, String> values, String key, int min, int max) {
            String v = values.get(key);
            if (v == null) {
                return Optional.empty();
            }
            try {
                int i = Integer.parseInt(v.trim());
                if (i >= min && i <= max) {
                    return Optional.of(i);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            r.problem(
                    path,
                    what + ": " + key + " must be an integer between " + min + " and " + max + ", got \"" + v + "\"");
            return Optional.empty();
        }
    }
}
