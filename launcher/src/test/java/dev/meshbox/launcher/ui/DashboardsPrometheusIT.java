package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards from Debian's real Prometheus (the {@code prometheus} package, as {@code up --prometheus} runs it)
 * and from the UI's own store agree: the same Istio queries over the same proxies give the same request rate, success
 * rate and per-version split, so the store's arithmetic is Prometheus's and the PromQL text it sends is valid.
 * Skipped where {@code /usr/bin/prometheus} is not installed.
 */
class DashboardsPrometheusIT {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final List<Scenario.Workload> WORKLOADS = List.of(new Scenario.Builtin("bookinfo"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void prometheusAndTheStoreShowTheSameMeshDashboard() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "no " + PROMETHEUS + " (apt-get install prometheus)");
        try (LocalMesh mesh = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.of(5)),
                new PrintStream(OutputStream.nullOutputStream()))) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            String targets = mesh.control().pods().stream()
                    .map(p -> "'" + p.ip() + ":" + 15090 + "'")
                    .collect(Collectors.joining(", "));
            Path config = dir.resolve("prometheus.yml");
            // Istio's job for the proxies' own endpoint; scraped every 2 s, as the UI's store is here. Not every
            // second: the scrape timeout is at most the interval, and on a loaded CI machine a 1 s scrape of a
            // proxy's /stats/prometheus can time out, leaving Prometheus without the samples rate() needs.
            Files.writeString(config, """
                    global: {scrape_interval: 2s}
                    scrape_configs:
                    - job_name: envoy-stats
                      metrics_path: /stats/prometheus
                      static_configs: [{targets: [%s]}]
                    """.formatted(targets));
            Process prometheus = new ProcessBuilder(
                            PROMETHEUS.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            System.setProperty("meshbox.ui.scrapeMillis", "2000");
            System.setProperty("meshbox.ui.prometheus", "http://127.0.0.1:" + port);
            WebUi ui;
            try {
                ui = WebUi.start(new MeshUi(mesh.control(), WORKLOADS), WebUi.Options.loopback(0, Optional.empty()));
            } finally {
                System.clearProperty("meshbox.ui.scrapeMillis");
                System.clearProperty("meshbox.ui.prometheus");
            }
            try (ui) {
                poll(
                        "Prometheus ready",
                        Duration.ofSeconds(20),
                        () -> get(ui, "/api/dashboards")
                                .at("/sources/prometheus")
                                .asBoolean());
                HttpResponse<String> started = HTTP.send(
                        HttpRequest.newBuilder(URI.create(ui.url() + "/api/traffic"))
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"from\":\"ingress\",\"target\":\"/productpage\",\"rate\":10,\"seconds\":60}"))
                                .header("Content-Type", "application/json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                // A 20 s rate: over a 10 s one, two scrapers 2 s apart on a loaded machine saw different bursts.
                String query = "/api/dashboards/mesh?window=1m&rate=20s&source=";
                // Both have seen a steady 10 req/s for a while: the gateway's calls to productpage plus
                // productpage's to details and reviews, about 30 req/s in all from the source proxies.
                double[] last = new double[2];
                try {
                    poll("both sources at full rate", Duration.ofSeconds(45), () -> {
                        last[0] =
                                get(ui, query + "meshbox").at("/stats/requests").asDouble();
                        last[1] = get(ui, query + "prometheus")
                                .at("/stats/requests")
                                .asDouble();
                        return last[0] > 20 && last[1] > 20;
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(
                            e.getMessage() + ": last seen " + last[0] + " req/s from the store, " + last[1]
                                    + " from Prometheus; Prometheus's targets: " + targetHealth(port),
                            e);
                }
                // Two scrapers at different instants extrapolate the same traffic differently: a relative bound, met
                // within 15 s of steady traffic (a wrong label or a double count would never meet it).
                JsonNode[] both = new JsonNode[2];
                try {
                    poll(
                            "both sources within 25 % of each other",
                            Duration.ofSeconds(15), () -> {
                                both[0] = get(ui, query + "meshbox");
                                both[1] = get(ui, query + "prometheus");
                                double store = both[0].at("/stats/requests").asDouble();
                                double real = both[1].at("/stats/requests").asDouble();
                                return store > 0 && Math.abs(real - store) <= 0.25 * store;
                            });
                } catch (AssertionError e) {
                    throw new AssertionError(
                            e.getMessage() + ": last seen " + both[0].at("/stats/requests") + " req/s from the store, "
                                    + both[1].at("/stats/requests") + " from Prometheus",
                            e);
                }
                JsonNode store = both[0];
                JsonNode real = both[1];
                assertThat(real.path("source").asText()).isEqualTo("prometheus");
                assertThat(real.at("/stats/requests").asDouble())
                        .isCloseTo(store.at("/stats/requests").asDouble(), withinPercentage(25));
                assertThat(real.at("/stats/successRate").asDouble()).isEqualTo(1.0);
                assertThat(store.at("/stats/successRate").asDouble()).isEqualTo(1.0);
                assertThat(rows(real)).isEqualTo(rows(store)).contains("reviews.default.svc.cluster.local/reviews-v1");
                JsonNode service = get(
                        ui,
                        "/api/dashboards/service?service=reviews.default.svc.cluster.local&window=1m&rate=20s&source=prometheus");
                assertThat(service.at("/stats/p50").asDouble()).isPositive();
                assertThat(service.path("byVersion").size()).isEqualTo(3); // no VirtualService: v1, v2 and v3
            } finally {
                prometheus.destroy();
                prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /** Each scrape target's health and last error, as Prometheus reports them, to say why a rate stayed low. */
    private static String targetHealth(int port) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/targets"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return java.util.stream.StreamSupport.stream(
                            JSON.readTree(r.body()).at("/data/activeTargets").spliterator(), false)
                    .map(t -> t.path("scrapeUrl").asText() + " "
                            + t.path("health").asText() + " "
                            + t.path("lastError").asText())
                    .collect(Collectors.joining("; "));
        } catch (Exception e) {
            return "unreadable (" + e + ")";
        }
    }

    private static List<String> rows(JsonNode dashboard) {
        return java.util.stream.StreamSupport.stream(dashboard.path("http").spliterator(), false)
                .filter(r -> r.path("requests").asDouble() > 0)
                .map(r -> r.path("destination_service").asText() + "/"
                        + r.path("destination_workload").asText())
                .sorted()
                .toList();
    }

    private static JsonNode get(WebUi ui, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void poll(String what, Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + limit.toSeconds() + " s");
            }
            Thread.sleep(250);
        }
    }
}
