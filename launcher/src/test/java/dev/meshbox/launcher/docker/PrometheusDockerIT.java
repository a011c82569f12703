package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.addons.PrometheusServer;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.Scenario;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's Prometheus addon on the Docker backend ({@code up --prometheus --backend docker}): container
 * {@code prometheus} on the mesh network running Debian's binary mounted on the MeshBox image, scraping every proxy's
 * 15090 and istiod's {@code /metrics} under Istio's job names, its API on a published loopback port. Skipped where
 * {@code prometheus} is not installed.
 */
@RequiresDocker
class PrometheusDockerIT {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DockerMesh mesh;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(
                PrometheusServer.binary().isPresent(),
                "prometheus is not installed; Debian's package: apt-get install -y prometheus");
        mesh = DockerMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"))),
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        // A 2 s interval keeps the test short; up --prometheus uses Istio's 15 s.
        prometheus = PrometheusServer.startOnDocker(mesh, 0, Duration.ofSeconds(2));
    }

    @AfterAll
    static void down() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void everyProxyAndIstiodAreUpTargetsOfKubernetesPods() throws Exception {
        assertThat(URI.create(prometheus.url()).getHost()).isEqualTo("127.0.0.1");
        JsonNode proxies = awaitResult("up{job=\"kubernetes-pods\",app!=\"istiod\"} == 1", 2);
        assertThat(proxies)
                .extracting(s -> s.path("metric").path("app").asText())
                .containsExactlyInAnyOrder("sleep", "istio-ingressgateway");
        assertThat(proxies)
                .allSatisfy(s ->
                        assertThat(s.path("metric").path("instance").asText()).endsWith(":15090"));

        JsonNode pushes = awaitResult("pilot_xds_pushes{job=\"kubernetes-pods\",app=\"istiod\",type=\"lds\"}", 1);
        assertThat(pushes.get(0).path("metric").path("namespace").asText()).isEqualTo("istio-system");
    }

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
                        : Optional.of("not yet " + series + " series: " + r.body());
            } catch (java.io.IOException e) {
                return Optional.of(e.toString());
            }
        });
        return last[0];
    }
}
