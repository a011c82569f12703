package dev.meshbox.scenarios;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
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

    /** Workloads MeshBox can start by name. */
    public static final Set<String> BUILTIN = BuiltinWorkloads.NAMES;

    private static final Set<String> TOP = Set.of(
            "name", "description", "workloads", "seed", "meshConfig", "tracing", "steps", "clusters", "multicluster");
    private static final Set<String> STEP = Set.of("name", "config", "wait", "traffic", "expect", "proxyAdmin");
    private static final Set<String> TRAFFIC = Set.of(
            "tls",
            "from",
            "method",
            "url",
            "path",
            "host",
            "headers",
            "user",
            "count",
            "concurrency",
            "rate",
            "duration",
            "followRedirects");

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
        if (root == null || !root.isObject()) {
            throw new ScenarioException(file + ": must be a YAML object with name and steps");
        }
        FieldReader r = new FieldReader(file, LineIndex.of(text));
        r.only(root, "", TOP);
        String name = r.text(root, "", "name", true).orElse("");
        String description = r.text(root, "", "description", false).orElse("");
        List<Scenario.Workload> workloads =
                ScenarioClusters.sharedWorkloads(root) ? workloads(r, root.get("workloads"), "workloads") : List.of();
        List<Scenario.Cluster> clusters =
                ScenarioClusters.read(r, root.get("clusters"), workloads, (n, path) -> workloads(r, n, path));
        Optional<Long> seed = ScenarioTopLevel.seed(r, root);
        Optional<String> meshConfig = Optional.empty();
        if (root.has("meshConfig")) {
            if (root.get("meshConfig").isObject()) {
                try {
                    meshConfig = Optional.of(yaml.writeValueAsString(root.get("meshConfig")));
                } catch (JsonProcessingException e) {
                    r.problem("meshConfig", "cannot be written back as YAML: " + e.getOriginalMessage());
                }
            } else {
                r.problem("meshConfig", "must be an object, Istio's mesh config (outboundTrafficPolicy, ...)");
            }
        }
        boolean tracing = ScenarioTopLevel.tracing(r, root);
        List<Scenario.Step> steps = new ArrayList<>();
        JsonNode st = root.get("steps");
        if (st == null || !st.isArray() || st.isEmpty()) {
            r.problem("steps", "must be a non-empty list of steps");
        } else {
            for (int i = 0; i < st.size(); i++) {
                steps.add(step(r, st.get(i), "steps[" + i + "]"));
            }
        }
        if (!tracing) {
            TraceExpectations.requireTracing(r, steps);
        }
        ScenarioClusters.checkFrom(r, clusters, steps);
        String mc = ScenarioMulticluster.read(r, root, clusters);
        r.throwIfAny();
        List<Scenario.Step> all = List.copyOf(steps);
        return new Scenario(
                name, description, file, List.copyOf(workloads), seed, all, meshConfig, tracing, clusters, mc);
    }

    /** A workloads list at {@code field} (top-level {@code workloads}, or a cluster's {@code clusters[0].workloads}). */
    private List<Scenario.Workload> workloads(FieldReader r, JsonNode wl, String field) {
        List<Scenario.Workload> out = new ArrayList<>();
        if (wl == null) {
            out.add(new Scenario.Builtin("bookinfo"));
            return out;
        }
        if (!wl.isArray()) {
            r.problem(field, "must be a list, e.g. [bookinfo] or [httpbin, fortio]");
            return out;
        }
        for (int i = 0; i < wl.size(); i++) {
            JsonNode w = wl.get(i);
            String path = field + "[" + i + "]";
            if (w.isTextual()) {
                builtin(r, path, BuiltinWorkloads.parse(w.asText())).ifPresent(out::add);
            } else if (w.isObject()
                    && w.size() == 1
                    && BUILTIN.contains(w.fieldNames().next())) {
                String name = w.fieldNames().next();
                builtin(r, path + "." + name, builtinOptions(r, name, w.get(name), path + "." + name))
                        .ifPresent(out::add);
            } else if (w.isObject() && w.has("echo")) {
                r.only(w, path, Set.of("echo"));
                out.add(echo(r, w.get("echo"), path + ".echo"));
            } else if (w.isObject() && w.has("java")) {
                r.only(w, path, Set.of("java"));
                out.add(java(r, w.get("java"), path + ".java"));
            } else if (w.isObject() && w.has("image")) {
                r.only(w, path, Set.of("image"));
                out.add(image(r, w.get("image"), path + ".image"));
            } else if (w.isObject() && w.has("gateway")) {
                r.only(w, path, Set.of("gateway"));
                GatewayWorkloads.read(r, w.get("gateway"), path + ".gateway").ifPresent(out::add);
            } else if (w.isObject() && w.has("kubernetes")) {
                r.only(w, path, Set.of("kubernetes"));
                kubernetes(r, w.get("kubernetes").asText(), path + ".kubernetes")
                        .ifPresent(out::add);
            } else {
                r.problem(
                        path,
                        "must be a built-in workload name (NAME or NAME.NAMESPACE), {NAME: {namespace, serviceAccount,"
                                + " sidecar}}, {kubernetes: FILE} (your Deployments and Services), "
                                + "{echo: {service, port, versions}}, {java: {...}}, {image: {name, service, version, port, env}}"
                                + " or {gateway: {name, namespace, labels, ports, serviceAccount}}");
            }
        }
        Set<String> seen = new java.util.HashSet<>();
        for (Scenario.Workload w : out) {
            if (w instanceof Scenario.Builtin b && !seen.add(b.name() + "." + b.namespace())) {
                r.problem(
                        field,
                        b.name() + " is listed twice in namespace " + b.namespace()
                                + "; list it once per namespace (httpbin.foo, httpbin.bar)");
            }
            if (w instanceof GatewayWorkload g && !seen.add("gateway " + g.name() + "." + g.namespace())) {
                r.problem(field, "gateway " + g.name() + " is listed twice in namespace " + g.namespace());
            }
        }
        return out;
    }

    /** A built-in workload, or its problems reported at {@code path}. */
    private static Optional<Scenario.Builtin> builtin(FieldReader r, String path, BuiltinWorkloads.Parsed parsed) {
        parsed.problems().forEach(p -> r.problem(path, p));
        return parsed.workload();
    }

    /** {@code {sleep: {namespace: legacy, serviceAccount: sleep, sidecar: false}}}. */
    private static BuiltinWorkloads.Parsed builtinOptions(FieldReader r, String name, JsonNode n, String path) {
        if (!r.isObject(n, path, "{namespace, serviceAccount, sidecar}")) {
            return new BuiltinWorkloads.Parsed(Optional.empty(), List.of());
        }
        r.only(n, path, BuiltinWorkloads.OPTIONS);
        boolean proxyless = ProxylessGrpcChannels.option(r, n.get("grpc"), path + ".grpc");
        boolean sidecar = !proxyless;
        JsonNode s = n.get("sidecar");
        if (s != null && !s.isBoolean()) {
            r.problem(path + ".sidecar", "must be true or false (false: a pod without a sidecar), got " + s);
        } else if (s != null) {
            sidecar = s.asBoolean();
        }
        BuiltinWorkloads.Parsed parsed = BuiltinWorkloads.of(
                name,
                r.text(n, path, "namespace", false).orElse(Scenario.Builtin.DEFAULT_NAMESPACE),
                r.text(n, path, "serviceAccount", false),
                sidecar,
                proxyless);
        return WorkloadLocalities.read(r, n, path, parsed);
    }

    private Scenario.JavaApp java(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, "{service, version, port, mainClass + classpath, or jar, args}")) {
            return new Scenario.JavaApp("", "", 0, 1, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
        }
        r.only(n, path, Set.of("service", "version", "port", "replicas", "mainClass", "classpath", "jar", "args"));
        String service = r.text(n, path, "service", true).orElse("");
        Optional<String> mainClass = r.text(n, path, "mainClass", false);
        Optional<String> classpath = r.text(n, path, "classpath", false);
        Optional<Path> jar = r.text(n, path, "jar", false).map(j -> {
            Path base = r.file.toAbsolutePath().getParent();
            Path f = base == null ? Path.of(j) : base.resolve(j).normalize();
            if (!Files.isRegularFile(f)) {
                r.problem(path + ".jar", "no such jar: " + f);
            }
            return f;
        });
        if (mainClass.isPresent() == jar.isPresent()) {
            r.problem(path, "needs either mainClass (with classpath) or jar");
        }
        if (mainClass.isPresent() && classpath.isEmpty()) {
            r.problem(
                    path + ".classpath",
                    "is required with mainClass (jars and folders, separated by " + java.io.File.pathSeparator + ")");
        }
        List<String> args = new ArrayList<>();
        JsonNode a = n.get("args");
        if (a != null && a.isArray()) {
            a.forEach(x -> args.add(x.asText()));
        } else if (a != null) {
            r.problem(path + ".args", "must be a list of strings; {listen}, {host}, {port} and {proxy} are replaced");
        }
        return new Scenario.JavaApp(
                service,
                r.text(n, path, "version", false).orElse("v1"),
                r.integer(n, path, "port", 8080, 1, 65535),
                r.integer(n, path, "replicas", 1, 1, 10),
                mainClass,
                classpath,
                jar,
                List.copyOf(args));
    }

    private Scenario.ImageApp image(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, "{name, service, version, port, replicas, env}")) {
            return new Scenario.ImageApp("", "", "v1", 8080, 1, Map.of());
        }
        r.only(n, path, Set.of("name", "service", "version", "port", "replicas", "env"));
        String service = r.text(n, path, "service", true).orElse("");
        if (!service.isEmpty() && !service.matches("[a-z]([-a-z0-9]*[a-z0-9])?")) {
            r.problem(path + ".service", "must be a DNS label (a-z, 0-9, '-'), got \"" + service + "\"");
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = n.get("env");
        if (e != null && e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
        } else if (e != null) {
            r.problem(path + ".env", "must be a map of NAME: value");
        }
        return new Scenario.ImageApp(
                r.text(n, path, "name", true).orElse(""),
                service,
                r.text(n, path, "version", false).orElse("v1"),
                r.integer(n, path, "port", 8080, 1, 65535),
                r.integer(n, path, "replicas", 1, 1, 10),
                Map.copyOf(env));
    }

    /** The user's Deployments and Services, relative to the scenario file. */
    private Optional<Scenario.Workload> kubernetes(FieldReader r, String rel, String path) {
        Path base = r.file.toAbsolutePath().getParent();
        Path f = base == null ? Path.of(rel) : base.resolve(rel).normalize();
        try {
            return Optional.of(KubernetesManifests.parse(f.toString(), Files.readString(f)));
        } catch (IOException e) {
            r.problem(
                    path,
                    "workload file " + f + " cannot be read (" + e.getClass().getSimpleName() + ")");
        } catch (ScenarioException e) {
            r.problem(path, "workload file has problems:\n" + e.getMessage());
        }
        return Optional.empty();
    }

    private Scenario.Echo echo(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(
                n, path, "{service, port, versions: {v1: {replicas, latency, errorRate, errorStatus, failFirst}}}")) {
            return new Scenario.Echo("", 0, Map.of());
        }
        r.only(n, path, Set.of("service", "port", "versions"));
        String service = r.text(n, path, "service", true).orElse("");
        if (!service.isEmpty() && !service.matches("[a-z]([-a-z0-9]*[a-z0-9])?")) {
            r.problem(path + ".service", "must be a DNS label (a-z, 0-9, '-'), got \"" + service + "\"");
        }
        int port = r.integer(n, path, "port", 8080, 1, 65535);
        Map<String, Scenario.EchoVersion> versions = new LinkedHashMap<>();
        JsonNode vs = n.get("versions");
        if (vs == null || !vs.isObject() || vs.isEmpty()) {
            versions.put("v1", new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0));
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = vs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path + ".versions." + e.getKey();
                JsonNode v = e.getValue() == null || e.getValue().isNull() ? yaml.createObjectNode() : e.getValue();
                if (!r.isObject(v, p, "{replicas, latency, errorRate, errorStatus, failFirst}")) {
                    continue;
                }
                r.only(v, p, Set.of("replicas", "latency", "errorRate", "errorStatus", "failFirst"));
                versions.put(
                        e.getKey(),
                        new Scenario.EchoVersion(
                                r.integer(v, p, "replicas", 1, 1, 20),
                                r.duration(v, p, "latency").orElse(Duration.ZERO),
                                r.fraction(v, p, "errorRate", 0),
                                r.integer(v, p, "errorStatus", 503, 200, 599),
                                r.integer(v, p, "failFirst", 0, 0, 1_000_000)));
            }
        }
        return new Scenario.Echo(service, port, versions);
    }

    private Scenario.Step step(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, "name, config, wait, traffic and expect")) {
            return new Scenario.Step("", List.of(), Optional.empty(), Optional.empty(), List.of());
        }
        r.only(n, path, STEP);
        String name = r.text(n, path, "name", false).orElse(path);
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
        Optional<Duration> wait = r.duration(n, path, "wait");
        Optional<Scenario.Traffic> traffic =
                n.has("traffic") ? Optional.of(traffic(r, n.get("traffic"), path + ".traffic")) : Optional.empty();
        List<Scenario.Expectation> expect = new ArrayList<>();
        JsonNode e = n.get("expect");
        if (e != null) {
            if (!e.isArray()) {
                r.problem(path + ".expect", "must be a list of expectations");
            } else {
                for (int i = 0; i < e.size(); i++) {
                    Scenario.Expectation x = ExpectationReader.read(r, e.get(i), path + ".expect[" + i + "]");
                    if (x != null) {
                        expect.add(x);
                    }
                }
            }
        }
        if (!expect.isEmpty() && traffic.isEmpty()) {
            r.problem(path + ".expect", "needs traffic in the same step to check against");
        }
        Optional<ProxyAdmin> admin = WorkloadLocalities.proxyAdmin(r, n, path);
        return new Scenario.Step(name, List.copyOf(config), wait, traffic, List.copyOf(expect), admin);
    }

    private MeshAccess.ConfigText configEntry(FieldReader r, JsonNode n, String path) {
        if (n.isObject() && n.has("inline")) {
            r.only(n, path, Set.of("inline"));
            return new MeshAccess.ConfigText(
                    r.file.getFileName() + " " + path, n.get("inline").asText());
        }
        String rel = n.isTextual()
                ? n.asText()
                : n.isObject() && n.has("file") ? n.get("file").asText() : null;
        if (rel == null) {
            r.problem(path, "must be {file: PATH} (relative to the scenario file) or {inline: YAML}");
            return new MeshAccess.ConfigText(path, "");
        }
        Path base = r.file.toAbsolutePath().getParent();
        Path f = base == null ? Path.of(rel) : base.resolve(rel).normalize();
        try {
            return new MeshAccess.ConfigText(f.toString(), Files.readString(f));
        } catch (IOException e) {
            r.problem(
                    path + (n.isObject() ? ".file" : ""),
                    "config file " + f + " cannot be read (" + e.getClass().getSimpleName() + ")");
            return new MeshAccess.ConfigText(f.toString(), "");
        }
    }

    private Scenario.Traffic traffic(FieldReader r, JsonNode n, String path) {
        if (!r.isObject(n, path, "from, url or path, and count")) {
            return new Scenario.Traffic("ingress", "GET", "/", Map.of(), 1, 1);
        }
        r.only(n, path, TRAFFIC);
        String from = r.text(n, path, "from", false).orElse("ingress");
        Optional<String> url = r.text(n, path, "url", false);
        Optional<String> p = r.text(n, path, "path", false);
        if (url.isEmpty() && p.isEmpty()) {
            r.problem(
                    path,
                    "needs url (http://service:port/path, or grpc://service:port/" + GrpcTraffic.METHOD
                            + ") or path (through the ingress)");
        }
        if (url.isPresent() && url.get().startsWith("grpc://")) {
            String problem = GrpcTraffic.check(url.get());
            if (problem != null) {
                r.problem(path + ".url", problem);
            }
        } else if (url.isPresent() && url.get().startsWith("tcp://")) {
            String problem = TcpTraffic.check(url.get());
            if (problem != null) {
                r.problem(path + ".url", problem);
            }
        } else if (url.isPresent()
                && !url.get().startsWith("http://")
                && !url.get().startsWith("https://")) {
            r.problem(path + ".url", "must start with http://, https://, grpc:// or tcp://, got \"" + url.get() + "\"");
        }
        boolean https = url.isPresent() && url.get().startsWith("https://");
        Optional<Scenario.TrafficTls> tls = TrafficTlsReader.read(r, n, path, https);
        if (p.isPresent() && !p.get().startsWith("/")) {
            r.problem(path + ".path", "must start with /, got \"" + p.get() + "\"");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = n.get("headers");
        if (h != null) {
            if (!h.isObject()) {
                r.problem(path + ".headers", "must be a map of header name to value");
            } else {
                h.fields()
                        .forEachRemaining(e -> headers.put(
                                e.getKey().toLowerCase(java.util.Locale.ROOT),
                                e.getValue().asText()));
            }
        }
        for (String framing : List.of("content-length", "transfer-encoding", "connection")) {
            if (headers.containsKey(framing)) {
                r.problem(path + ".headers." + framing, "is written by the traffic driver itself; leave it out");
            }
        }
        r.text(n, path, "user", false).ifPresent(u -> headers.put("end-user", u));
        Optional<Duration> duration = r.duration(n, path, "duration");
        // With a duration and no count, the duration decides; the count stays a bound on memory and time.
        int count = r.integer(n, path, "count", duration.isPresent() ? 100_000 : 100, 1, 100_000);
        int concurrency = r.integer(n, path, "concurrency", 1, 1, 64);
        double rate = 0;
        if (n.has("rate")) {
            JsonNode q = n.get("rate");
            if (!q.isNumber() || q.asDouble() <= 0 || q.asDouble() > 10_000) {
                r.problem(path + ".rate", "must be requests per second in all, between 0 and 10000, got " + q);
            } else {
                rate = q.asDouble();
            }
        }
        if (duration.isPresent() && duration.get().compareTo(Duration.ofMinutes(10)) > 0) {
            r.problem(path + ".duration", "must be at most 10m, got " + n.get("duration"));
        }
        String method = r.text(n, path, "method", false).orElse("GET").toUpperCase(java.util.Locale.ROOT);
        Optional<String> host = r.text(n, path, "host", false);
        if (host.isPresent() && !host.get().matches("[A-Za-z0-9_.*-]+(:[0-9]{1,5})?")) {
            r.problem(
                    path + ".host",
                    "must be a host name with an optional port, such as www.example.com or shop:8080, got \""
                            + host.get() + "\"");
        }
        if (host.isPresent() && headers.containsKey("host")) {
            r.problem(path + ".headers.host", "says the Host a second time; keep host or headers.host, not both");
        }
        int follow = r.integer(n, path, "followRedirects", 0, 0, 10);
        return new Scenario.Traffic(
                from,
                method,
                url.orElse(p.orElse("/")),
                Map.copyOf(headers),
                count,
                concurrency,
                rate,
                duration.orElse(Duration.ZERO),
                host,
                follow,
                tls);
    }
}
