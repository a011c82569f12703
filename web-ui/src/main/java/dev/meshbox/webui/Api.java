package dev.meshbox.webui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.ResponseFlag;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The REST API under {@code /api} that the page uses; JSON in and out, documented in the README's "Web UI" section. */
final class Api implements AutoCloseable {

    record RunRequest(String scenario) {}

    record ApplyRequest(String yaml, String name) {}

    private final UiMesh mesh;
    private final ObjectMapper json = new ObjectMapper();
    private final MeshGuard guard = new MeshGuard();
    private final Topology topology;
    /** The scenarios and lessons, unpacked from the jar when first asked for, so {@code up} does not wait for them. */
    private Content content;

    private final Runs runs;
    private final ConfigApi config;
    private final TrafficGenerators traffic;
    private final AccessLogTail accessLog;
    private final DashboardApi dashboards;

    private final Optional<Path> scenarioDir;

    Api(UiMesh mesh, Optional<Path> scenarioDir) {
        this.mesh = mesh;
        this.scenarioDir = scenarioDir.map(Path::toAbsolutePath);
        this.topology = new Topology(mesh);
        this.runs = new Runs(guard);
        this.config = new ConfigApi(mesh, this::sourceName);
        this.traffic = new TrafficGenerators(mesh);
        this.accessLog = new AccessLogTail(mesh);
        this.dashboards = new DashboardApi(mesh);
    }

    private record Content(ScenarioCatalog catalog, Lessons lessons) {}

    private synchronized Content content() {
        if (content == null) {
            ScenarioCatalog catalog = new ScenarioCatalog(scenarioDir);
            content = new Content(catalog, new Lessons(catalog.bundledDir()));
        }
        return content;
    }

    private ScenarioCatalog catalog() {
        return content().catalog();
    }

    private Lessons lessons() {
        return content().lessons();
    }

    /** A config source as the page shows it: a built-in scenario's file by its name in the jar, not its unpacked path. */
    private String sourceName(String source) {
        synchronized (this) {
            if (content == null) {
                return source;
            }
        }
        String dir = catalog().bundledDir().toString() + java.io.File.separator;
        return source.startsWith(dir) ? "built-in " + source.substring(dir.length()) : source;
    }

    void start() {
        topology.start();
        dashboards.start();
    }

    void routes(RoutesConfig r) {
        // A change must say it is JSON: a browser cannot send that cross-site without a CORS preflight, which this API
        // never allows, so another web page the user has open cannot change the mesh through it.
        r.before("/api/*", ctx -> {
            String method = ctx.method().name();
            String type = ctx.contentType() == null ? "" : ctx.contentType();
            if ((method.equals("POST") || method.equals("DELETE")) && !type.startsWith("application/json")) {
                throw new ApiException(
                        415,
                        "Content-Type: must be application/json for " + method + " " + ctx.path() + ", got \"" + type
                                + "\"");
            }
        });
        r.get("/api/mesh", ctx -> ctx.json(mesh()));
        r.get("/api/topology", ctx -> ctx.json(topology.graph()));

        r.get("/api/scenarios", ctx -> ctx.json(catalog().list(mesh::missing)));
        r.get("/api/scenarios/{id}", ctx -> {
            Path f = scenarioFile(ctx.pathParam("id"));
            ctx.json(Map.of(
                    "id",
                    ctx.pathParam("id"),
                    "file",
                    f.toString(),
                    "text",
                    catalog().text(f)));
        });
        r.post("/api/runs", ctx -> {
            RunRequest req = body(ctx, RunRequest.class, "{\"scenario\": \"builtin:canary-90-10\"}");
            if (req.scenario() == null || req.scenario().isBlank()) {
                throw ApiException.badRequest(
                        "scenario: is required, an id from GET /api/scenarios such as builtin:canary-90-10");
            }
            Path f = scenarioFile(req.scenario());
            Scenario s;
            try {
                s = catalog().load(f);
            } catch (ScenarioException e) {
                throw new ApiException(422, e.getMessage());
            }
            requireWorkloads(s.workloads(), "scenario " + s.name());
            ctx.status(202)
                    .json(runs.start(
                            "scenario", s.name(), req.scenario(), s, traffic.noteForRun(), out -> mesh.run(s, out)));
        });
        r.get("/api/runs", ctx -> ctx.json(runs.all()));
        r.get(
                "/api/runs/{id}",
                ctx -> ctx.json(runs.get(ctx.pathParam("id"))
                        .orElseThrow(() ->
                                ApiException.notFound("no run \"" + ctx.pathParam("id") + "\" in this session"))));

        // ?cluster=NAME on a multi-cluster mesh: that cluster's own control plane, config and proxies (each cluster
        // has its own istiod); without it, config applies to every cluster, as Istio's multi-primary docs apply it.
        r.get("/api/config", ctx -> {
            UiMesh m = scoped(ctx);
            ctx.json(Map.of(
                    "generation",
                    m.controlPlane().config().snapshot().generation(),
                    "resources",
                    config(m).resources(),
                    "warnings",
                    m.controlPlane().warnings()));
        });
        r.post("/api/config/apply", ctx -> {
            UiMesh m = scoped(ctx);
            ApplyRequest req = body(
                    ctx,
                    ApplyRequest.class,
                    "{\"yaml\": \"apiVersion: networking.istio.io/v1 ...\", \"name\": \"my.yaml\"}");
            if (req.yaml() == null || req.yaml().isBlank()) {
                throw ApiException.badRequest("yaml: is required, the Istio YAML to apply (one or more documents)");
            }
            String name = req.name() == null || req.name().isBlank()
                    ? "editor.yaml"
                    : req.name().trim();
            ConfigApi.ApplyAnswer answer =
                    guard.with("apply of " + name, () -> config(m).apply(name, req.yaml()));
            ctx.status(answer.applied() ? 200 : 422).json(answer);
        });
        r.post("/api/config/reset", ctx -> {
            UiMesh m = scoped(ctx);
            ctx.json(guard.with("reset", () -> {
                m.access().resetConfig();
                return Map.of("reset", true, "resources", config(m).resources());
            }));
        });
        r.delete("/api/config/{kind}/{namespace}/{name}", ctx -> {
            UiMesh m = scoped(ctx);
            ResourceKey key = new ResourceKey(ctx.pathParam("kind"), ctx.pathParam("namespace"), ctx.pathParam("name"));
            ctx.json(guard.with("delete of " + key, () -> config(m).delete(key)));
        });
        r.get("/api/proxies", ctx -> {
            UiMesh m = scoped(ctx);
            if (m == mesh && !mesh.clusters().isEmpty()) {
                List<ConfigApi.ProxyView> all = new ArrayList<>();
                mesh.clusters().forEach(c -> all.addAll(config(c.mesh()).proxies()));
                ctx.json(all);
            } else {
                ctx.json(config(m).proxies());
            }
        });
        r.get("/api/proxies/{pod}/config", ctx -> ctx.json(config(podMesh(ctx)).proxyConfig(ctx.pathParam("pod"))));
        r.get(
                "/api/proxies/{pod}/config_dump",
                ctx -> ctx.contentType("application/json")
                        .result(config(podMesh(ctx)).configDump(ctx.pathParam("pod"))));

        r.post(
                "/api/traffic",
                ctx -> ctx.status(202)
                        .json(
                                traffic.start(
                                        body(
                                                ctx,
                                                TrafficGenerators.Request.class,
                                                "{\"from\": \"ingress\", \"target\": \"/productpage\", \"user\": \"jason\", \"rate\": 10, \"seconds\": 30}"))));
        r.get("/api/traffic", ctx -> ctx.json(traffic.all()));
        r.delete(
                "/api/traffic/{id}",
                ctx -> ctx.json(traffic.stop(ctx.pathParam("id"))
                        .orElseThrow(
                                () -> ApiException.notFound("no traffic generator \"" + ctx.pathParam("id") + "\""))));
        r.get(
                "/api/access-log",
                ctx -> ctx.json(accessLog.read(
                        ctx.queryParam("since"),
                        Optional.ofNullable(ctx.queryParam("workload")).orElse(""),
                        limit(ctx.queryParam("limit")))));

        r.get("/api/lessons", ctx -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Lessons.Lesson l : lessons().all()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("lesson", l);
                m.put("missing", mesh.missing(lessons().scenario(l.id()).workloads()));
                out.add(m);
            }
            ctx.json(out);
        });
        r.post("/api/lessons/{id}/steps/{step}/apply", ctx -> {
            Lessons.Lesson l = lesson(ctx);
            int step = step(ctx, l);
            Scenario lesson = lessons().scenario(l.id());
            List<String> started = new ArrayList<>();
            MeshAccess.ApplyOutcome outcome = guard.with("lesson " + l.title(), () -> {
                if (step == 1 || !LessonClusters.mismatch(mesh, lesson).isEmpty()) {
                    prepare(lesson).ifPresent(started::add); // a lesson with clusters: its multi-cluster mesh
                }
                requireWorkloads(lesson.workloads(), "lesson " + l.title());
                if (step == 1) {
                    mesh.access().resetConfig(); // a lesson starts from a clean mesh, whatever came before
                }
                List<MeshAccess.ConfigText> texts = lesson.steps().get(step - 1).config();
                return texts.isEmpty()
                        ? new MeshAccess.ApplyOutcome(List.of(), List.of())
                        : mesh.access().apply(texts);
            });
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("changes", outcome.changes());
            answer.put("problems", outcome.problems());
            answer.put("reset", step == 1);
            answer.put("mesh", started.isEmpty() ? "" : started.get(0));
            ctx.status(outcome.ok() ? 200 : 422).json(answer);
        });
        r.post("/api/lessons/{id}/steps/{step}/traffic", ctx -> {
            Lessons.Lesson l = lesson(ctx);
            int step = step(ctx, l);
            Scenario lesson = lessons().scenario(l.id());
            if (!LessonClusters.mismatch(mesh, lesson).isEmpty()) {
                throw new ApiException(
                        409,
                        LessonClusters.mismatch(mesh, lesson) + ". Apply step 1 first: it brings the lesson's clusters"
                                + " up");
            }
            requireWorkloads(lesson.workloads(), "lesson " + l.title());
            Scenario s = lessons().trafficOnly(l.id(), step);
            if (s.steps().get(0).traffic().isEmpty()) {
                throw ApiException.badRequest("step " + step + " of lesson " + l.id() + " sends no traffic");
            }
            ctx.status(202)
                    .json(runs.start(
                            "lesson",
                            l.title() + ", step " + step,
                            l.id(),
                            s,
                            traffic.noteForRun(),
                            out -> mesh.runner(out).run(s)));
        });

        dashboards.routes(r);

        r.get("/api/*", ctx -> {
            throw ApiException.notFound("no API endpoint GET " + ctx.path() + "; see the README's Web UI section");
        });
        r.post("/api/*", ctx -> {
            throw ApiException.notFound("no API endpoint POST " + ctx.path() + "; see the README's Web UI section");
        });
    }

    /** The mesh a request is about: the cluster its {@code ?cluster=} names, else the whole mesh. */
    private UiMesh scoped(Context ctx) {
        String name = ctx.queryParam("cluster");
        if (name == null || name.isBlank()) {
            return mesh;
        }
        return mesh.clusters().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .map(UiCluster::mesh)
                .orElseThrow(() -> ApiException.notFound("cluster: no cluster \"" + name + "\" in this mesh; clusters: "
                        + mesh.clusters().stream().map(UiCluster::name).toList()));
    }

    /** The cluster that runs the pod of the path (pod names are unique across clusters), else the whole mesh. */
    private UiMesh podMesh(Context ctx) {
        String pod = ctx.pathParam("pod");
        return mesh.clusters().stream()
                .map(UiCluster::mesh)
                .filter(m -> m.pods().stream().anyMatch(p -> p.name().equals(pod)))
                .findFirst()
                .orElse(scoped(ctx));
    }

    private ConfigApi config(UiMesh m) {
        return m == mesh ? config : new ConfigApi(m, this::sourceName);
    }

    private Map<String, Object> mesh() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workloads", mesh.workloads());
        List<Map<String, Object>> pods = new ArrayList<>();
        for (Pod p : mesh.pods()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("namespace", p.namespace());
            pm.put("app", p.app());
            pm.put("version", p.labels().getOrDefault("version", ""));
            pm.put("workload", p.workload());
            pm.put("kind", p.role() == Pod.ProxyKind.GATEWAY ? "gateway" : "sidecar");
            pm.put("ip", p.ip());
            pm.put("ready", p.ready());
            pm.put("cluster", p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.CLUSTER, ""));
            pm.put("network", p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.NETWORK, ""));
            pods.add(pm);
        }
        m.put("pods", pods);
        List<Map<String, Object>> services = new ArrayList<>();
        for (MeshService s : Topology.services(mesh)) {
            services.add(Map.of(
                    "name",
                    s.name(),
                    "namespace",
                    s.namespace(),
                    "ports",
                    s.ports().stream().map(p -> p.port()).toList()));
        }
        m.put("services", services);
        m.put(
                "ingress",
                mesh.access().ingress().getHostString() + ":"
                        + mesh.access().ingress().getPort());
        m.put("xdsPort", mesh.controlPlane().xdsPort());
        List<Map<String, Object>> clusters = new ArrayList<>();
        for (UiCluster c : mesh.clusters()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("network", c.network());
            cm.put("xdsPort", c.mesh().controlPlane().xdsPort());
            java.net.InetSocketAddress in = c.mesh().access().ingress();
            cm.put("ingress", in.getHostString() + ":" + in.getPort());
            cm.put("proxies", c.mesh().pods().size());
            clusters.add(cm);
        }
        m.put("clusters", clusters);
        m.put("multicluster", mesh.multicluster());
        m.put("scenarioDir", scenarioDir.map(Path::toString).orElse(""));
        m.put("busy", guard.holder());
        m.put("responseFlags", responseFlags());
        return m;
    }

    /** Envoy's response flags in Envoy's order with their meanings, for the page's tooltips. */
    static Map<String, String> responseFlags() {
        Map<String, String> flags = new LinkedHashMap<>();
        for (ResponseFlag f : ResponseFlag.values()) {
            flags.put(f.code(), f.meaning());
        }
        return flags;
    }

    private void requireWorkloads(List<Scenario.Workload> wanted, String what) {
        List<String> missing = mesh.missing(wanted);
        if (!missing.isEmpty()) {
            List<String> all = new ArrayList<>(mesh.workloads());
            wanted.stream()
                    .map(Scenario.Workload::displayName)
                    .filter(n -> !all.contains(n) && !n.contains(" "))
                    .forEach(all::add);
            throw new ApiException(
                    422,
                    what + " needs workloads this mesh does not run: " + String.join(", ", missing)
                            + ". Restart with ./meshbox up --workloads " + String.join(",", all));
        }
    }

    /** The lesson's mesh, brought up when the mesh can (the launcher's); a 409 saying how otherwise. */
    private Optional<String> prepare(Scenario lesson) {
        try {
            return mesh.prepare(lesson, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while bringing up the mesh of lesson " + lesson.name());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ApiException(409, e.getMessage());
        }
    }

    private Path scenarioFile(String id) {
        return catalog()
                .file(id)
                .orElseThrow(() ->
                        ApiException.notFound("no scenario \"" + id + "\"; ids are listed by GET /api/scenarios"));
    }

    private Lessons.Lesson lesson(Context ctx) {
        return lessons()
                .lesson(ctx.pathParam("id"))
                .orElseThrow(() -> ApiException.notFound("no lesson \"" + ctx.pathParam("id") + "\"; lessons: "
                        + lessons().all().stream().map(Lessons.Lesson::id).toList()));
    }

    private static int step(Context ctx, Lessons.Lesson l) {
        try {
            int n = Integer.parseInt(ctx.pathParam("step"));
            if (n >= 1 && n <= l.steps().size()) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("step: must be 1 to " + l.steps().size() + " for lesson " + l.id() + ", got \""
                + ctx.pathParam("step") + "\"");
    }

    private static int limit(String q) {
        if (q == null) {
            return 200;
        }
        try {
            int n = Integer.parseInt(q);
            if (n >= 1 && n <= AccessLogTail.MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("limit: must be 1 to " + AccessLogTail.MAX_LIMIT + ", got \"" + q + "\"");
    }

    private <T> T body(Context ctx, Class<T> type, String example) {
        String text = ctx.body();
        if (text.isBlank()) {
            throw ApiException.badRequest("request body: must be JSON, e.g. " + example);
        }
        try {
            T value = json.readValue(text, type);
            if (value == null) {
                throw ApiException.badRequest("request body: must be a JSON object, e.g. " + example);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "request body: must be JSON, e.g. " + example + ": " + e.getOriginalMessage());
        }
    }

    @Override
    public void close() {
        topology.close();
        dashboards.close();
        runs.close();
        traffic.close();
        synchronized (this) {
            if (content != null) {
                content.catalog().close();
            }
        }
    }
}
