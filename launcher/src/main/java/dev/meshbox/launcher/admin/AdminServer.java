package dev.meshbox.launcher.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.config.IstioResource;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.gatewayapi.Condition;
import dev.meshbox.controlplane.gatewayapi.ResourceStatus;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.scenarios.MeshAccess;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The running mesh's small admin API on 127.0.0.1 (istiod's monitoring port, 15014), used by {@code meshbox apply}:
 * {@code POST /apply} ({@code {"sources":[{"name","text"}]}}), {@code GET /config}, {@code GET /debug/configz},
 * {@code GET /proxies} (what each proxy ACKed), {@code POST /reset}, {@code GET /healthz}. A backend whose proxies sit
 * on another network (Docker, Kubernetes) reads pods, access logs, counters and routing through it too
 * ({@link ControlPlaneClient}).
 */
public final class AdminServer implements AutoCloseable {

    public static final int PORT = 15014;

    /** The JSON body of {@code POST /apply}. */
    public record ApplyRequest(List<MeshAccess.ConfigText> sources) {}

    private final MeshControl mesh;
    private final ClusterTargets clusters;
    private final Javalin app;
    private final ObjectMapper json = new ObjectMapper();

    public AdminServer(MeshControl mesh, String host, int port) {
        this(mesh, ClusterTargets.single(mesh), host, port);
    }

    /** The admin API of several clusters: {@code POST /apply?cluster=NAME} applies to that cluster's control plane. */
    public AdminServer(MeshControl mesh, ClusterTargets clusters, String host, int port) {
        this.mesh = mesh;
        this.clusters = clusters;
        this.app = Javalin.create(this::configure);
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

    private void configure(JavalinConfig cfg) {
        QueuedThreadPool pool = new QueuedThreadPool(8, 1);
        pool.setName("meshbox-admin");
        pool.setDaemon(true);
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.startup.startupWatcherEnabled = false;
        cfg.jetty.threadPool = pool;
        cfg.routes.get("/healthz", ctx -> ctx.result("ok"));
        // istiod's monitoring port (15014) serves its metrics here; Prometheus scrapes it as Istio's addon does.
        cfg.routes.get(
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(mesh.controlPlane().prometheusText()));
        cfg.routes.post("/apply", this::apply);
        cfg.routes.post("/reset", this::reset);
        cfg.routes.get("/config", this::config);
        cfg.routes.get("/debug/configz", this::configz);
        cfg.routes.get("/proxies", ctx -> ctx.json(mesh.controlPlane().proxyStatus()));
        cfg.routes.get("/pods", this::pods);
        cfg.routes.get("/debug/remote_clusters", ctx -> ctx.json(remoteReadyPods()));
        cfg.routes.get("/debug/access_log", ctx -> ctx.json(mesh.accessLog()));
        cfg.routes.get("/debug/counters/{workload}", ctx -> ctx.json(mesh.counters(ctx.pathParam("workload"))));
        cfg.routes.get("/debug/routing", this::routing);
        cfg.routes.post(
                "/debug/proxy_admin/{workload}",
                ctx -> ctx.result(mesh.proxyAdminPost(ctx.pathParam("workload"), ctx.queryParam("path"))));
        cfg.routes.get("/debug/converged", this::converged);
        cfg.routes.get("/debug/direct_target", this::directTarget);
        cfg.routes.get("/logs/{workload}", this::logs);
        // An unknown workload, in any handler.
        cfg.routes.exception(
                IllegalArgumentException.class, (e, ctx) -> ctx.status(404).result(e.getMessage() + "\n"));
    }

    /** Applies YAML texts; 400 names what is wrong with the request, 422 what is wrong with the config. */
    private void apply(Context ctx) {
        ApplyRequest req;
        try {
            req = json.readValue(ctx.body(), ApplyRequest.class);
        } catch (JsonProcessingException e) {
            badRequest(
                    ctx,
                    List.of("request body: must be JSON {\"sources\":[{\"name\":..., \"text\":...}]}: "
                            + e.getOriginalMessage()));
            return;
        }
        if (req.sources() == null || req.sources().isEmpty()) {
            badRequest(ctx, List.of("request body: sources must list at least one YAML text"));
            return;
        }
        List<String> invalid = invalidSources(req.sources());
        if (!invalid.isEmpty()) {
            badRequest(ctx, invalid);
            return;
        }
        MeshControl target;
        try {
            target = clusters.target(ctx.queryParam("cluster"));
        } catch (IllegalArgumentException e) {
            badRequest(ctx, List.of(e.getMessage()));
            return;
        }
        MeshAccess.ApplyOutcome outcome = target.apply(clusters.expand(req.sources()));
        ctx.status(outcome.ok() ? 200 : 422)
                .json(Map.of(
                        "changes",
                        outcome.changes(),
                        "problems",
                        outcome.problems(),
                        "warnings",
                        target.controlPlane().warnings()));
    }

    private static List<String> invalidSources(List<MeshAccess.ConfigText> sources) {
        List<String> invalid = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            MeshAccess.ConfigText t = sources.get(i);
            if (t == null || t.name() == null || t.name().isBlank()) {
                invalid.add("request body: sources[" + i + "].name: is required (the file name shown in messages)");
            }
            if (t == null || t.text() == null) {
                invalid.add("request body: sources[" + i + "].text: is required (the YAML to apply)");
            }
        }
        return invalid;
    }

    private static void badRequest(Context ctx, List<String> problems) {
        ctx.status(400).json(Map.of("problems", problems));
    }

    private void reset(Context ctx) {
        mesh.resetConfig();
        ctx.json(Map.of("reset", true));
    }

    /**
     * The applied resources: kind, namespace, name and the file each came from; a Gateway API resource also has the
     * status Istio would write on it (a Gateway's conditions, a route's conditions per parent).
     */
    private void config(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<ResourceKey, ResourceStatus> statuses = mesh.controlPlane().gatewayApiStatus();
        for (Map.Entry<ResourceKey, IstioResource> e :
                mesh.controlPlane().config().snapshot().resources().entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", e.getKey().kind());
            m.put("namespace", e.getKey().namespace());
            m.put("name", e.getKey().name());
            m.put("source", e.getValue().meta().source());
            ResourceStatus status = statuses.get(e.getKey());
            if (status != null) {
                m.put("status", statusJson(status));
            }
            out.add(m);
        }
        ctx.json(out);
    }

    /** As Kubernetes shows it: {@code conditions} of a Gateway, {@code parents[].conditions} of a route. */
    static Map<String, Object> statusJson(ResourceStatus s) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!s.conditions().isEmpty()) {
            out.put(
                    "conditions",
                    s.conditions().stream().map(AdminServer::conditionJson).toList());
        }
        if (!s.parents().isEmpty()) {
            out.put(
                    "parents",
                    s.parents().stream()
                            .map(p -> Map.of(
                                    "parentRef",
                                    p.parentRef(),
                                    "conditions",
                                    p.conditions().stream()
                                            .map(AdminServer::conditionJson)
                                            .toList()))
                            .toList());
        }
        return out;
    }

    private static Map<String, String> conditionJson(Condition c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", c.type());
        m.put("status", c.status() ? "True" : "False");
        m.put("reason", c.reason());
        m.put("message", c.message());
        return m;
    }

    /** The applied resources as YAML, as istiod's {@code /debug/configz} shows them. */
    private void configz(Context ctx) {
        StringBuilder sb = new StringBuilder();
        for (IstioResource r :
                mesh.controlPlane().config().snapshot().resources().values()) {
            sb.append("---\n").append(r.yaml());
        }
        ctx.contentType("application/yaml").result(sb.toString());
    }

    /**
     * The registry's pods, and where each proxy's admin and outbound ports are; a pod without a sidecar (role
     * {@code none}) has neither.
     */
    private void pods(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<Pod> all = mesh.controlPlane().registry().snapshot().pods().values().stream()
                .sorted(java.util.Comparator.comparing(Pod::name))
                .toList();
        for (Pod p : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("namespace", p.namespace());
            m.put("labels", p.labels());
            m.put("ip", p.ip());
            m.put("role", p.role().name().toLowerCase(Locale.ROOT));
            m.put("ready", p.ready());
            if (p.role() != Pod.ProxyKind.NONE) {
                m.put("admin", "http://" + p.ip() + ":15000");
                m.put("outbound", p.ip() + ":15001");
            }
            out.add(m);
        }
        ctx.json(out);
    }

    /** Per remote cluster this control plane watches, the names of its ready pods as seen here (sorted). */
    private Map<String, List<String>> remoteReadyPods() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String id : mesh.controlPlane().remoteClusters()) {
            mesh.controlPlane()
                    .remoteRegistry(id)
                    .ifPresent(r -> out.put(
                            id,
                            r.snapshot().pods().values().stream()
                                    .filter(Pod::ready)
                                    .map(Pod::name)
                                    .sorted()
                                    .toList()));
        }
        return out;
    }

    /** How a workload's sidecar routes a host, as the control plane translated it. */
    private void routing(Context ctx) {
        String workload = ctx.queryParam("workload");
        String routeHost = ctx.queryParam("host");
        if (workload == null || routeHost == null) {
            ctx.status(400)
                    .result("query: workload and host are required, e.g. ?workload=productpage&host=reviews:9080\n");
            return;
        }
        ctx.contentType("text/plain")
                .result(mesh.describeRouting(workload, routeHost).orElse(""));
    }

    /**
     * Where a workload without a sidecar connects for {@code host:port}: {@code {"ip","port"}}, as
     * {@link MeshControl#directTarget} resolves it (404 naming what does not resolve).
     */
    private void directTarget(Context ctx) {
        String workload = ctx.queryParam("workload");
        String host = ctx.queryParam("host");
        String port = ctx.queryParam("port");
        if (workload == null || host == null || port == null || !port.matches("[0-9]{1,5}")) {
            ctx.status(400)
                    .result("query: workload, host and a numeric port are required,"
                            + " e.g. ?workload=sleep.legacy&host=httpbin.foo&port=8000\n");
            return;
        }
        var target = mesh.directTarget(workload, host, Integer.parseInt(port));
        ctx.json(Map.of("ip", target.getHostString(), "port", target.getPort()));
    }

    /** 200 once every proxy has ACKed the current config; 503 with the reason when one has not in time. */
    private void converged(Context ctx) {
        try {
            mesh.awaitConverged();
            ctx.json(Map.of("converged", true));
        } catch (IllegalStateException e) {
            ctx.status(503).json(Map.of("converged", false, "reason", e.getMessage()));
        }
    }

    /** The access logs of a workload's proxies, each line prefixed with its pod when there are several. */
    private void logs(Context ctx) {
        String workload = ctx.pathParam("workload");
        List<Pod> matching = mesh.pods().stream()
                .filter(p ->
                        p.name().equals(workload) || workload.equals(p.labels().get("app")))
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
        StringBuilder sb = new StringBuilder();
        for (Pod p : matching) {
            for (String line : mesh.adminGet(p, "/access_log").split("\n")) {
                if (!line.isBlank()) {
                    sb.append(matching.size() > 1 ? "[" + p.name() + "] " : "")
                            .append(line)
                            .append('\n');
                }
            }
        }
        ctx.contentType("text/plain").result(sb.toString());
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
