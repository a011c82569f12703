package dev.meshbox.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read-only view of one YAML node that knows its path ({@code spec.http[0].route[1]}) and reports every
 * problem it meets to a shared {@link Problems} sink instead of throwing. Parsers read whole documents this
 * way and get all problems of a document at once.
 */
public final class YamlNode {

    /** Collects the problems of one document. */
    public static final class Problems {
        private final String source;
        private String resource = "";
        private final List<ConfigProblem> list = new ArrayList<>();

        public Problems(String source) {
            this.source = source;
        }

        public void resource(String resource) {
            this.resource = resource;
        }

        public void add(String field, String message) {
            list.add(new ConfigProblem(source, resource, field, message));
        }

        public List<ConfigProblem> list() {
            return List.copyOf(list);
        }

        public boolean isEmpty() {
            return list.isEmpty();
        }

        public String source() {
            return source;
        }
    }

    private static final Pattern DURATION = Pattern.compile("^(\\d+(?:\\.\\d+)?)(h|m|s|ms|us|µs|ns)$");

    private final JsonNode node;
    private final String path;
    private final Problems problems;

    public YamlNode(JsonNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    public String path() {
        return path;
    }

    public boolean isMissing() {
        return node == null || node.isMissingNode() || node.isNull();
    }

    public boolean has(String key) {
        return !isMissing() && node.has(key) && !node.get(key).isNull();
    }

    public void problem(String message) {
        problems.add(path, message);
    }

    public Problems problems() {
        return problems;
    }

    private String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The child object {@code key}; a missing child reads as an empty object, a non-object is a problem. */
    public YamlNode obj(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        YamlNode result = new YamlNode(child, childPath(key), problems);
        if (child != null && !child.isNull() && !child.isObject()) {
            result.problem("must be an object, got " + describe(child));
            return new YamlNode(null, result.path, problems);
        }
        return result;
    }

    /** Reports fields other than {@code known}: Istio's schema is strict, and a typo must not pass silently. */
    public void onlyFields(Set<String> known) {
        if (isMissing() || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                problems.add(
                        childPath(name),
                        "unknown field; expected one of "
                                + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    public List<YamlNode> list(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        if (child == null || child.isNull()) {
            return List.of();
        }
        String p = childPath(key);
        if (!child.isArray()) {
            problems.add(p, "must be a list, got " + describe(child));
            return List.of();
        }
        List<YamlNode> out = new ArrayList<>(child.size());
        for (int i = 0; i < child.size(); i++) {
            out.add(new YamlNode(child.get(i), p + "[" + i + "]", problems));
        }
        return out;
    }

    public <T> List<T> list(String key, Function<YamlNode, T> reader) {
        List<T> out = new ArrayList<>();
        for (YamlNode n : list(key)) {
            T value = reader.apply(n);
            if (value != null) {
                out.add(value);
            }
        }
        return List.copyOf(out);
    }

    public List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        for (YamlNode n : list(key)) {
            if (n.node.isTextual()) {
                out.add(n.node.asText());
            } else {
                n.problem("must be a string, got " + describe(n.node));
            }
        }
        return List.copyOf(out);
    }

    public Optional<String> str(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        if (child == null || child.isNull()) {
            return Optional.empty();
        }
        if (!child.isValueNode()) {
            problems.add(childPath(key), "must be a string, got " + describe(child));
            return Optional.empty();
        }
        return Optional.of(child.asText());
    }

    public String requiredStr(String key) {
        Optional<String> v = str(key);
        if (v.isEmpty() || v.get().isEmpty()) {
            if (!has(key)) {
                problems.add(childPath(key), "is required");
            } else if (v.isPresent()) {
                problems.add(childPath(key), "must not be empty");
            }
            return "";
        }
        return v.get();
    }

    public Optional<Long> integer(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        if (child == null || child.isNull()) {
            return Optional.empty();
        }
        if (child.isIntegralNumber()) {
            return Optional.of(child.asLong());
        }
        if (child.isTextual() && child.asText().matches("-?\\d+")) {
            return Optional.of(Long.parseLong(child.asText()));
        }
        problems.add(childPath(key), "must be an integer, got " + describe(child));
        return Optional.empty();
    }

    public Optional<Double> number(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        if (child == null || child.isNull()) {
            return Optional.empty();
        }
        if (child.isNumber()) {
            return Optional.of(child.asDouble());
        }
        problems.add(childPath(key), "must be a number, got " + describe(child));
        return Optional.empty();
    }

    public Optional<Boolean> bool(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        if (child == null || child.isNull()) {
            return Optional.empty();
        }
        if (child.isBoolean()) {
            return Optional.of(child.asBoolean());
        }
        problems.add(childPath(key), "must be true or false, got " + describe(child));
        return Optional.empty();
    }

    /** A protobuf-style duration as Istio accepts it: {@code 7s}, {@code 0.5s}, {@code 100ms}, {@code 1m}, {@code 1h}. */
    public Optional<Duration> duration(String key) {
        Optional<String> text = str(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> d = parseDuration(text.get());
        if (d.isEmpty()) {
            problems.add(
                    childPath(key), "must be a duration such as 1s, 0.5s, 100ms or 1m, got \"" + text.get() + "\"");
        } else if (d.get().compareTo(Duration.ofMillis(1)) < 0 && !d.get().isZero()) {
            problems.add(childPath(key), "must be at least 1ms, got \"" + text.get() + "\"");
        }
        return d;
    }

    public static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        double value = Double.parseDouble(m.group(1));
        double nanosPerUnit = switch (m.group(2)) {
            case "h" -> 3.6e12;
            case "m" -> 6e10;
            case "s" -> 1e9;
            case "ms" -> 1e6;
            case "us", "µs" -> 1e3;
            default -> 1;
        };
        return Optional.of(Duration.ofNanos(Math.round(value * nanosPerUnit)));
    }

    /** A map of string to string (labels, header values). */
    public Map<String, String> stringMap(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (child == null || child.isNull()) {
            return out;
        }
        if (!child.isObject()) {
            problems.add(childPath(key), "must be a map of strings, got " + describe(child));
            return out;
        }
        child.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode()) {
                out.put(e.getKey(), e.getValue().asText());
            } else {
                problems.add(childPath(key) + "." + e.getKey(), "must be a string, got " + describe(e.getValue()));
            }
        });
        return out;
    }

    /** Children of an object keyed by field name (e.g. {@code headers: {end-user: {exact: jason}}}). */
    public Map<String, YamlNode> entries(String key) {
        JsonNode child = isMissing() ? null : node.get(key);
        Map<String, YamlNode> out = new LinkedHashMap<>();
        if (child == null || child.isNull()) {
            return out;
        }
        if (!child.isObject()) {
            problems.add(childPath(key), "must be a map, got " + describe(child));
            return out;
        }
        child.fields()
                .forEachRemaining(e ->
                        out.put(e.getKey(), new YamlNode(e.getValue(), childPath(key) + "." + e.getKey(), problems)));
        return out;
    }

    public boolean isObject() {
        return !isMissing() && node.isObject();
    }

    static String describe(JsonNode n) {
        if (n.isTextual()) {
            return "\"" + n.asText() + "\"";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "an object";
        }
        return n.toString();
    }
}
