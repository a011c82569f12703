package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.addons.PrometheusServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's querying-metrics doc test against Debian's Prometheus scraping a loopback Bookinfo mesh with Istio's addon
 * config: 50 requests to /productpage, then {@code istio_requests_total} through Prometheus' HTTP API, for productpage
 * and for reviews v3. Skipped where {@code prometheus} is not installed.
 */
class PrometheusAddonIT {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalMesh mesh;
    private static PrometheusServer prometheus;
    private static dev.meshbox.launcher.admin.AdminServer admin;

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(
                PrometheusServer.binary().isPresent(),
                "prometheus is not installed; Debian's package: apt-get install -y prometheus");
        mesh = LocalMesh.start(
                MeshSpec.bookinfo(),
                LocalOptions.isolated(OptionalLong.of(7)),
                new PrintStream(OutputStream.nullOutputStream()));
        InetSocketAddress ingress = mesh.ingress();
        URI page = URI.create(
                "http://" + ingress.getAddress().getHostAddress() + ":" + ingress.getPort() + "/productpage");
        for (int i = 0; i < 50; i++) {
            HttpResponse<Void> r = HTTP.send(
                    HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).as("GET /productpage #" + i).isEqualTo(200);
        }
        // Istio's 15 s interval (what up --prometheus uses) would spread the targets' first scrapes over 15 s; 3 s
        // keeps
        // this test short and changes nothing else.
        admin = new dev.meshbox.launcher.admin.AdminServer(mesh.control(), "127.0.0.1", 0);
        prometheus = PrometheusServer.start(
                new InetSocketAddress("127.0.0.1", freePort()),
                Duration.ofSeconds(3),
                mesh.control()::pods,
                java.util.Optional.of(new InetSocketAddress("127.0.0.1", admin.port())));
    }

    @AfterAll
    static void down() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void istioRequestsTotalIsQueryable() throws Exception {
        JsonNode result = awaitResult("istio_requests_total");

        assertThat(result.get(0).path("metric").path("__name__").asText()).isEqualTo("istio_requests_total");
    }

    @Test
    void productpageIsADestinationService() throws Exception {
        JsonNode result =
                awaitResult("istio_requests_total{destination_service=\"productpage.default.svc.cluster.local\"}");

        assertThat(result.get(0).path("metric").path("destination_service").asText())
                .isEqualTo("productpage.default.svc.cluster.local");
        assertThat(result.get(0).path("metric").path("job").asText()).isEqualTo("kubernetes-pods");
    }

    @Test
    void reviewsV3IsADestination() throws Exception {
        JsonNode result = awaitResult("istio_requests_total{destination_service=\"reviews.default.svc.cluster.local\","
                + "destination_version=\"v3\"}");

        assertThat(result.get(0).path("metric").path("destination_version").asText())
                .isEqualTo("v3");
    }

    @Test
    void everyProxyIsATargetOfKubernetesPods() throws Exception {
        JsonNode result = awaitResult("up{job=\"kubernetes-pods\",app!=\"istiod\"} == 1", 7);

        // Six Bookinfo pods and the ingress gateway, each scraped on 15090 and up.
        assertThat(result).hasSize(7);
        assertThat(result).allSatisfy(series -> {
            assertThat(series.path("metric").path("instance").asText()).endsWith(":15090");
            assertThat(series.path("value").get(1).asText()).isEqualTo("1");
        });
    }

    @Test
    void theControlPlaneIsScrapedAsIstiod() throws Exception {
        JsonNode pushes = awaitResult("pilot_xds_pushes{job=\"kubernetes-pods\",app=\"istiod\",type=\"lds\"}");
        JsonNode connected = awaitResult("pilot_xds{app=\"istiod\"}");

        // Every proxy of the mesh got its listeners at least once, over a stream that is still open.
        assertThat(pushes.get(0).path("value").get(1).asDouble()).isGreaterThanOrEqualTo(7);
        assertThat(connected.get(0).path("value").get(1).asDouble()).isGreaterThanOrEqualTo(7);
        assertThat(connected.get(0).path("metric").path("namespace").asText()).isEqualTo("istio-system");
    }

    /** Queries until the result is not empty: the first scrape comes within one interval of the start. */
    private static JsonNode awaitResult(String query) throws Exception {
        return awaitResult(query, 1);
    }

    /** Queries until the result has {@code series} series: each target's first scrape is somewhere in the interval. */
    private static JsonNode awaitResult(String query, int series) throws Exception {
        URI uri =
                URI.create(prometheus.url() + "api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        JsonNode[] last = new JsonNode[1];
        Wait.atMost(Duration.ofSeconds(40)).pollingEvery(Duration.ofMillis(500)).until(query, () -> {
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode body = JSON.readTree(r.body());
                last[0] = body.path("data").path("result");
                return r.statusCode() == 200 && last[0].size() >= series
                        ? Optional.empty()
                        : Optional.of("no series yet: " + r.body());
            } catch (java.io.IOException e) {
                return Optional.of(e.toString());
            }
        });
        return last[0];
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
