package dev.meshbox.scenarios;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a scenario file. Every problem is reported as {@code file:line: key: what is expected}, and all of a file's
 * problems come at once, so a workshop attendee fixes them in one go.
 */
public final class ScenarioLoader {

    private static final Set<String> TOP = Set.of("name", "description", "workloads", "seed", "steps");
    private static final Set<String> STEP = Set.of("name", "config", "traffic", "expect");
    private static final Set<String> TRAFFIC = Set.of("from", "method", "url", "path", "headers", "user", "count", "concurrency");
    private static final Set<String> WORKLOADS = Set.of("bookinfo");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    public Scenario load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(file + ": no such scenario file");
        } catch (IOException e) {
            throw new ScenarioException(file + ": cannot be read: " + e.getMessage());
        }
        return parse(file, text);
    }

    public Scenario parse(Path file, String text) {
        JsonNode root;
        try {
            root = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ScenarioException(file + ":" + line + ": not valid YAML: " + e.getOriginalMessage());
        }
        Reader r = new Reader(file, LineIndex.of(text));
        if (root == null || !root.isObject()) {
            throw new ScenarioException(file + ": must be a YAML object with name and steps");
        }
        r.only(root, "", TOP);
        String name = r.text(root, "name", true).orElse("");
        String description = r.text(root, "description", false).orElse("");
        List<String> workloads = new ArrayList<>();
        JsonNode wl = root.get("workloads");
        if (wl == null) {
            workloads.add("bookinfo");
        } else if (!wl.isArray()) {
            r.problem("workloads", "must be a list of workload names, e.g. [bookinfo]");
        } else {
            for (int i = 0; i < wl.size(); i++) {
                String w = wl.get(i).asText();
                if (!WORKLOADS.contains(w)) {
                    r.problem("workloads[" + i + "]", "unknown workload \"" + w + "\"; expected one of " + WORKLOADS);
                }
                workloads.add(w);
            }
        }
        Optional<Long> seed = Optional.empty();
        if (root.has("seed")) {
            if (root.get("seed").canConvertToLong() && root.get("seed").isIntegralNumber()) {
                seed = Optional.of(root.get("seed").asLong());
            } else {
                r.problem("seed", "must be an integer");
            }
        }
        List<Scenario.Step> steps = new ArrayList<>();
        JsonNode st = root.get("steps");
        if (st == null || !st.isArray() || st.isEmpty()) {
            r.problem("steps", "must be a non-empty list of steps");
        } else {
            for (int i = 0; i < st.size(); i++) {
                steps.add(step(r, st.get(i), "steps[" + i + "]"));
            }
        }
        r.throwIfAny();
        return new Scenario(name, description, file, List.copyOf(workloads), seed, List.copyOf(steps));
    }

    private Scenario.Step step(Reader r, JsonNode n, String path) {
        if (!n.isObject()) {
            r.problem(path, "must be an object with name, config, traffic and expect");
            return new Scenario.Step("", List.of(), Optional.empty(), List.of());
        }
        r.only(n, path, STEP);
        String name = r.text(n, "name", false).map(Object::toString).orElse(path);
        List<MeshAccess.ConfigText> config = new ArrayList<>();
        JsonNode c = n.get("config");
        if (c != null) {
            if (!c.isArray()) {
                r.problem(path + ".config", "must be a list of {file: PATH} or {inline: YAML}");
            } else {
                for (int i = 0; i < c.size(); i++) {
                    config.add(configEntry(r, c.get(i), path + ".config[" + i + "]"));
                }
            }
        }
        Optional<Scenario.Traffic> traffic = n.has("traffic") ? Optional.of(traffic(r, n.get("traffic"), path + ".traffic")) : Optional.empty();
        List<Scenario.Expectation> expect = new ArrayList<>();
        JsonNode e = n.get("expect");
        if (e != null) {
            if (!e.isArray()) {
                r.problem(path + ".expect", "must be a list of expectations");
            } else {
                for (int i = 0; i < e.size(); i++) {
                    Scenario.Expectation x = expectation(r, e.get(i), path + ".expect[" + i + "]");
                    if (x != null) {
                        expect.add(x);
                    }
                }
            }
        }
        if (!expect.isEmpty() && traffic.isEmpty()) {
            r.problem(path + ".expect", "needs traffic in the same step to check against");
        }
        return new Scenario.Step(name, List.copyOf(config), traffic, List.copyOf(expect));
    }

    private MeshAccess.ConfigText configEntry(Reader r, JsonNode n, String path) {
        if (n.isObject() && n.has("inline")) {
            r.only(n, path, Set.of("inline"));
            return new MeshAccess.ConfigText(r.file.getFileName() + " " + path, n.get("inline").asText());
        }
        String rel = n.isTextual() ? n.asText() : n.isObject() && n.has("file") ? n.get("file").asText() : null;
        if (rel == null) {
            r.problem(path, "must be {file: PATH} (relative to the scenario file) or {inline: YAML}");
            return new MeshAccess.ConfigText(path, "");
        }
        Path base = r.file.toAbsolutePath().getParent();
        Path f = base == null ? Path.of(rel) : base.resolve(rel).normalize();
        try {
            return new MeshAccess.ConfigText(f.toString(), Files.readString(f));
        } catch (IOException e) {
            r.problem(path + (n.isObject() ? ".file" : ""), "config file " + f + " cannot be read (" + e.getClass().getSimpleName() + ")");
            return new MeshAccess.ConfigText(f.toString(), "");
        }
    }

    private Scenario.Traffic traffic(Reader r, JsonNode n, String path) {
        if (!n.isObject()) {
            r.problem(path, "must be an object with from, url or path, and count");
            return new Scenario.Traffic("ingress", "GET", "/", Map.of(), 1, 1);
        }
        r.only(n, path, TRAFFIC);
        String from = r.text(n, "from", false).orElse("ingress");
        Optional<String> url = r.text(n, "url", false);
        Optional<String> p = r.text(n, "path", false);
        if (url.isEmpty() && p.isEmpty()) {
            r.problem(path, "needs url (http://service:port/path) or path (through the ingress)");
        }
        if (url.isPresent() && !url.get().startsWith("http://")) {
            r.problem(path + ".url", "must start with http://, got \"" + url.get() + "\"");
        }
        if (p.isPresent() && !p.get().startsWith("/")) {
            r.problem(path + ".path", "must start with /, got \"" + p.get() + "\"");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = n.get("headers");
        if (h != null) {
            if (!h.isObject()) {
                r.problem(path + ".headers", "must be a map of header name to value");
            } else {
                h.fields().forEachRemaining(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue().asText()));
            }
        }
        r.text(n, "user", false).ifPresent(u -> headers.put("end-user", u));
        int count = r.integer(n, "count", path, 100, 1, 100_000);
        int concurrency = r.integer(n, "concurrency", path, 1, 1, 64);
        String method = r.text(n, "method", false).orElse("GET").toUpperCase(java.util.Locale.ROOT);
        return new Scenario.Traffic(from, method, url.orElse(p.orElse("/")), Map.copyOf(headers), count, concurrency);
    }

    private Scenario.Expectation expectation(Reader r, JsonNode n, String path) {
        if (n.isObject() && n.size() == 1 && n.has("versionShare")) {
            JsonNode v = n.get("versionShare");
            String p = path + ".versionShare";
            r.only(v, p, Set.of("service", "shares", "tolerance"));
            String service = r.text(v, "service", true, p).orElse("");
            Map<String, Double> shares = r.shares(v, p, Object::toString);
            double tolerance = r.fraction(v, "tolerance", p, 0.05);
            return new Scenario.VersionShare(service, shares, tolerance);
        }
        if (n.isObject() && n.size() == 1 && n.has("statusShare")) {
            JsonNode v = n.get("statusShare");
            String p = path + ".statusShare";
            r.only(v, p, Set.of("shares", "tolerance"));
            Map<Integer, Double> shares = new LinkedHashMap<>();
            r.shares(v, p, k -> k).forEach((k, val) -> {
                if (k.matches("\\d{3}")) {
                    shares.put(Integer.parseInt(k), val);
                } else {
                    r.problem(p + ".shares." + k, "must be an HTTP status code such as 200 or 503");
                }
            });
            return new Scenario.StatusShare(shares, r.fraction(v, "tolerance", p, 0.0));
        }
        r.problem(path, "must be one of {versionShare: {service, shares, tolerance}} or {statusShare: {shares, tolerance}}");
        return null;
    }

    /** Reads fields and collects problems with file and line. */
    private static final class Reader {
        final Path file;
        final LineIndex lines;
        final List<String> problems = new ArrayList<>();

        Reader(Path file, LineIndex lines) {
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

        void only(JsonNode n, String path, Set<String> known) {
            if (n == null || !n.isObject()) {
                return;
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!known.contains(f)) {
                    problem(path.isEmpty() ? f : path + "." + f, "unknown key; expected one of " + known.stream().sorted().toList());
                }
            }
        }

        Optional<String> text(JsonNode n, String key, boolean required) {
            return text(n, key, required, "");
        }

        Optional<String> text(JsonNode n, String key, boolean required, String path) {
            JsonNode v = n.get(key);
            String p = path.isEmpty() ? key : path + "." + key;
            if (v == null || v.isNull()) {
                if (required) {
                    problem(p, "is required");
                }
                return Optional.empty();
            }
            if (!v.isValueNode()) {
                problem(p, "must be a string");
                return Optional.empty();
            }
            return Optional.of(v.asText());
        }

        int integer(JsonNode n, String key, String path, int dflt, int min, int max) {
            JsonNode v = n.get(key);
            if (v == null) {
                return dflt;
            }
            if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
                problem(path + "." + key, "must be an integer between " + min + " and " + max + ", got " + v);
                return dflt;
            }
            return v.asInt();
        }

        double fraction(JsonNode n, String key, String path, double dflt) {
            JsonNode v = n.get(key);
            if (v == null) {
                return dflt;
            }
            if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
                problem(path + "." + key, "must be a fraction between 0 and 1 (0.03 means 3 points), got " + v);
                return dflt;
            }
            return v.asDouble();
        }

        <K> Map<String, Double> shares(JsonNode n, String path, java.util.function.Function<String, String> key) {
            Map<String, Double> out = new LinkedHashMap<>();
            JsonNode s = n.get("shares");
            if (s == null || !s.isObject() || s.isEmpty()) {
                problem(path + ".shares", "must map each version or status to its expected share, e.g. {v1: 0.9, v2: 0.1}");
                return out;
            }
            double total = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber() || e.getValue().asDouble() < 0 || e.getValue().asDouble() > 1) {
                    problem(path + ".shares." + e.getKey(), "must be a fraction between 0 and 1, got " + e.getValue());
                    continue;
                }
                total += e.getValue().asDouble();
                out.put(key.apply(e.getKey()), e.getValue().asDouble());
            }
            if (total > 1.0 + 1e-9) {
                problem(path + ".shares", "add up to " + total + "; expected shares can add up to at most 1");
            }
            return out;
        }
    }
}
