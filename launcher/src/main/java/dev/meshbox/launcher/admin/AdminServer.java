package dev.meshbox.launcher.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.config.IstioResource;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.scenarios.MeshAccess;
import io.javalin.Javalin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The running mesh's small admin API on 127.0.0.1 (istiod's monitoring port, 15014), used by {@code meshbox apply}:
 * {@code POST /apply} ({@code {"sources":[{"name","text"}]}}), {@code GET /config}, {@code GET /debug/configz},
 * {@code GET /proxies} (what each proxy ACKed), {@code POST /reset}, {@code GET /healthz}.
 */
public final class AdminServer implements AutoCloseable {

    public static final int PORT = 15014;

    /** The JSON body of {@code POST /apply}. */
    public record ApplyRequest(List<MeshAccess.ConfigText> sources) {}

    private final Javalin app;
    private final ObjectMapper json = new ObjectMapper();

    public AdminServer(MeshControl mesh, String host, int port) {
        QueuedThreadPool pool = new QueuedThreadPool(8, 1);
        pool.setName("meshbox-admin");
        pool.setDaemon(true);
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.jetty.threadPool = pool;
            cfg.routes.get("/healthz", ctx -> ctx.result("ok"));
            cfg.routes.post("/apply", ctx -> {
                ApplyRequest req;
                try {
                    req = json.readValue(ctx.body(), ApplyRequest.class);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    ctx.status(400)
                            .json(Map.of(
                                    "problems",
                                    List.of("request body: must be JSON {\"sources\":[{\"name\":..., \"text\":...}]}: "
                                            + e.getOriginalMessage())));
                    return;
                }
                if (req.sources() == null || req.sources().isEmpty()) {
                    ctx.status(400)
                            .json(Map.of(
                                    "problems", List.of("request body: sources must list at least one YAML text")));
                    return;
                }
                List<String> invalid = new ArrayList<>();
                for (int i = 0; i < req.sources().size(); i++) {
                    MeshAccess.ConfigText t = req.sources().get(i);
                    if (t == null || t.name() == null || t.name().isBlank()) {
                        invalid.add(
                                "request body: sources[" + i + "].name: is required (the file name shown in messages)");
                    }
                    if (t == null || t.text() == null) {
                        invalid.add("request body: sources[" + i + "].text: is required (the YAML to apply)");
                    }
                }
                if (!invalid.isEmpty()) {
                    ctx.status(400).json(Map.of("problems", invalid));
                    return;
                }
                MeshAccess.ApplyOutcome outcome = mesh.apply(req.sources());
                ctx.status(outcome.ok() ? 200 : 422)
                        .json(Map.of(
                                "changes",
                                outcome.changes(),
                                "problems",
                                outcome.problems(),
                                "warnings",
                                mesh.controlPlane().warnings()));
            });
            cfg.routes.post("/reset", ctx -> {
                mesh.resetConfig();
                ctx.json(Map.of("reset", true));
            });
            cfg.routes.get("/config", ctx -> {
                List<Map<String, String>> out = new ArrayList<>();
                for (Map.Entry<ResourceKey, IstioResource> e :
                        mesh.controlPlane().config().snapshot().resources().entrySet()) {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("kind", e.getKey().kind());
                    m.put("namespace", e.getKey().namespace());
                    m.put("name", e.getKey().name());
                    m.put("source", e.getValue().meta().source());
                    out.add(m);
                }
                ctx.json(out);
            });
            cfg.routes.get("/debug/configz", ctx -> {
                StringBuilder sb = new StringBuilder();
                for (IstioResource r :
                        mesh.controlPlane().config().snapshot().resources().values()) {
                    sb.append("---\n").append(r.yaml());
                }
                ctx.contentType("application/yaml").result(sb.toString());
            });
            cfg.routes.get("/proxies", ctx -> ctx.json(mesh.controlPlane().proxyStatus()));
            cfg.routes.get("/pods", ctx -> {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Pod p : mesh.pods()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", p.name());
                    m.put("namespace", p.namespace());
                    m.put("labels", p.labels());
                    m.put("ip", p.ip());
                    m.put("role", p.role().name().toLowerCase(java.util.Locale.ROOT));
                    m.put("ready", p.ready());
                    m.put("admin", "http://" + p.ip() + ":15000");
                    m.put("outbound", p.ip() + ":15001");
                    out.add(m);
                }
                ctx.json(out);
            });
            // What a backend whose proxies sit on another network (Docker) reads through the control plane.
            cfg.routes.get("/debug/access_log", ctx -> ctx.json(mesh.accessLog()));
            cfg.routes.get("/debug/counters/{workload}", ctx -> ctx.json(mesh.counters(ctx.pathParam("workload"))));
            cfg.routes.get("/debug/routing", ctx -> {
                String workload = ctx.queryParam("workload");
                String routeHost = ctx.queryParam("host");
                if (workload == null || routeHost == null) {
                    ctx.status(400)
                            .result(
                                    "query: workload and host are required, e.g. ?workload=productpage&host=reviews:9080\n");
                    return;
                }
                ctx.contentType("text/plain")
                        .result(mesh.describeRouting(workload, routeHost).orElse(""));
            });
            cfg.routes.get("/debug/converged", ctx -> {
                try {
                    mesh.awaitConverged();
                    ctx.json(Map.of("converged", true));
                } catch (IllegalStateException e) {
                    ctx.status(503).json(Map.of("converged", false, "reason", e.getMessage()));
                }
            });
            cfg.routes.exception(
                    IllegalArgumentException.class, (e, ctx) -> ctx.status(404).result(e.getMessage() + "\n"));
            cfg.routes.get("/logs/{workload}", ctx -> {
                StringBuilder sb = new StringBuilder();
                String workload = ctx.pathParam("workload");
                List<Pod> matching = mesh.pods().stream()
                        .filter(p -> p.name().equals(workload)
                                || workload.equals(p.labels().get("app")))
                        .toList();
                if (matching.isEmpty()) {
                    ctx.status(404)
                            .result("no workload \"" + workload + "\"; workloads: "
                                    + mesh.pods().stream()
                                            .map(Pod::app)
                                            .distinct()
                                            .sorted()
                                            .toList() + "\n");
                    return;
                }
                for (Pod p : matching) {
                    String log = mesh.adminGet(p, "/access_log");
                    for (String line : log.split("\n")) {
                        if (!line.isBlank()) {
                            sb.append(matching.size() > 1 ? "[" + p.name() + "] " : "")
                                    .append(line)
                                    .append('\n');
                        }
                    }
                }
                ctx.contentType("text/plain").result(sb.toString());
            });
        });
        try {
            app.start(host, port);
        } catch (RuntimeException e) {
            app.stop();
            throw new IllegalStateException(
                    "cannot start the admin API on " + host + ":" + port + " (" + rootMessage(e)
                            + "); is another mesh running? Stop it, or use ./meshbox run, which needs no fixed ports",
                    e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
