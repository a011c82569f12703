package dev.meshbox.webui;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code /api/dashboards/...}: Istio's dashboards from the UI's own {@link MetricsStore} (always running) or, with
 * {@code source=prometheus}, from the Prometheus of {@code up --prometheus}; and whether Zipkin ({@code up --tracing})
 * answers, for the topology's links to a node's traces.
 */
final class DashboardApi implements AutoCloseable {

    static final long RETENTION = 15 * 60_000L;
    private static final long PROMETHEUS_MAX = 6 * 3_600_000L;
    static final URI ZIPKIN = URI.create("http://127.0.0.1:9411");

    private final UiMesh mesh;
    private final MetricsStore store;
    /** {@code up --prometheus}'s, or {@code -Dmeshbox.ui.prometheus=http://127.0.0.1:PORT}. */
    private final PrometheusSource prometheus = new PrometheusSource(
            URI.create(System.getProperty("meshbox.ui.prometheus", PrometheusSource.DEFAULT.toString())));

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private volatile long zipkinCheckedAt;
    private volatile boolean zipkinUp;

    DashboardApi(UiMesh mesh) {
        this.mesh = mesh;
        // -Dmeshbox.ui.scrapeMillis=1000 scrapes more often (tests); Istio's addon scrapes every 15 s, 5 s here.
        this.store = new MetricsStore(Long.getLong("meshbox.ui.scrapeMillis", 5_000L), RETENTION);
    }

    void start() {
        store.start(mesh);
    }

    void routes(RoutesConfig r) {
        r.get("/api/dashboards", ctx -> ctx.json(index()));
        r.get("/api/dashboards/mesh", ctx -> ctx.json(dashboards(ctx).mesh()));
        r.get("/api/dashboards/service", ctx -> {
            String service = required(ctx, "service", "reviews.default.svc.cluster.local");
            ctx.json(dashboards(ctx).service(service));
        });
        r.get("/api/dashboards/workload", ctx -> {
            String workload = required(ctx, "workload", "reviews-v1");
            String namespace = Optional.ofNullable(ctx.queryParam("namespace")).orElse("default");
            ctx.json(dashboards(ctx).workload(workload, namespace));
        });
    }

    private static String required(Context ctx, String param, String example) {
        String v = ctx.queryParam(param);
        if (v == null || v.isBlank()) {
            throw ApiException.badRequest(param + ": is required, e.g. ?" + param + "=" + example);
        }
        return v.trim();
    }

    private Dashboards dashboards(Context ctx) {
        String sourceName = Optional.ofNullable(ctx.queryParam("source")).orElse("meshbox");
        MetricsSource source;
        long max;
        if (sourceName.equals("meshbox")) {
            source = store;
            max = RETENTION;
        } else if (sourceName.equals("prometheus")) {
            if (!prometheus.ready()) {
                throw new ApiException(
                        503,
                        "source: Prometheus does not answer at " + prometheus.base()
                                + "/-/ready; start the mesh with ./meshbox up --prometheus, or use source=meshbox");
            }
            source = prometheus;
            max = PROMETHEUS_MAX;
        } else {
            throw ApiException.badRequest("source: must be meshbox or prometheus, got \"" + sourceName + "\"");
        }
        long window = Dashboards.duration(
                Optional.ofNullable(ctx.queryParam("window")).orElse("5m"), "window", max);
        String rate = Optional.ofNullable(ctx.queryParam("rate")).orElse("auto");
        long rateMillis = rate.equals("auto") ? 0 : Dashboards.duration(rate, "rate", max);
        return new Dashboards(source, new Dashboards.Window(window, rateMillis, System.currentTimeMillis()));
    }

    private Map<String, Object> index() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sources", Map.of("meshbox", true, "prometheus", prometheus.ready()));
        out.put("scrapeSeconds", store.scrapeMillis() / 1000.0);
        out.put("retentionMinutes", RETENTION / 60_000);
        out.put("zipkin", zipkin().map(URI::toString).orElse(null));
        List<String> services = new ArrayList<>();
        for (MeshService s : mesh.controlPlane().registry().snapshot().servicesSorted()) {
            services.add(s.name() + "." + s.namespace() + ".svc.cluster.local");
        }
        out.put("services", services);
        TreeSet<String> workloads = new TreeSet<>();
        List<Map<String, String>> wl = new ArrayList<>();
        for (Pod p : mesh.pods()) {
            if (workloads.add(p.namespace() + "/" + p.workload())) {
                wl.add(Map.of("workload", p.workload(), "namespace", p.namespace(), "app", p.app()));
            }
        }
        wl.sort(java.util.Comparator.comparing(m -> m.get("namespace") + "/" + m.get("workload")));
        out.put("workloads", wl);
        return out;
    }

    /** Zipkin's base URL when its server answers {@code /health} (asked at most every 5 s). */
    Optional<URI> zipkin() {
        long now = System.nanoTime();
        if (zipkinCheckedAt == 0 || now - zipkinCheckedAt > 5_000_000_000L) {
            zipkinCheckedAt = now;
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(ZIPKIN.resolve("/health"))
                                .timeout(Duration.ofMillis(500))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                zipkinUp = r.statusCode() == 200;
            } catch (IOException e) {
                zipkinUp = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                zipkinUp = false;
            }
        }
        return zipkinUp ? Optional.of(ZIPKIN) : Optional.empty();
    }

    @Override
    public void close() {
        store.close();
    }
}
