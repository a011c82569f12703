package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Through the UI's API, as the Workshop tab calls it: the {@code .global} lesson brings its replicated control planes
 * up beside {@code up}'s mesh and passes both steps (the ServiceEntry to cluster2's gateway, AUTO_PASSTHROUGH by SNI);
 * a lesson without clusters then brings the first mesh back and stops the lesson's.
 */
class LessonMeshIT {

    private static final List<Scenario.Workload> WORKLOADS =
            List.of(new Scenario.Builtin("httpbin"), new Scenario.Builtin("httpbin-v2"), new Scenario.Builtin("sleep"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalMesh first;
    private static LessonMeshUi mesh;
    private static WebUi ui;

    @BeforeAll
    static void up() throws InterruptedException {
        first = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        mesh = new LessonMeshUi(new MeshUi(first.control(), WORKLOADS));
        ui = WebUi.start(mesh, WebUi.Options.loopback(0, Optional.empty()));
    }

    @AfterAll
    static void down() {
        if (ui != null) {
            ui.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void theGlobalLessonRunsOnItsOwnClustersAndALessonWithoutClustersComesBack() throws Exception {
        JsonNode started = post("/api/lessons/multicluster-global/steps/1/apply", 200);
        assertThat(started.path("mesh").asText())
                .startsWith("started clusters cluster1 (network1: sleep.foo), cluster2 (network2: httpbin.bar) in the"
                        + " global model in ");
        assertThat(started.path("changes").toString())
                .contains("cluster1: serviceentry.networking.istio.io/httpbin-bar")
                .contains("cluster2: serviceentry.networking.istio.io/httpbin-bar");
        JsonNode meshNow = get("/api/mesh");
        assertThat(meshNow.path("multicluster").asText()).isEqualTo("global");
        assertThat(meshNow.path("clusters").findValuesAsText("name")).containsExactly("cluster1", "cluster2");

        for (int step = 1; step <= 2; step++) {
            JsonNode run = finished(post("/api/lessons/multicluster-global/steps/" + step + "/traffic", 202)
                    .path("id")
                    .asText());
            assertThat(run.path("state").asText()).as("step %d: %s", step, run).isEqualTo("passed");
        }

        JsonNode back = post("/api/lessons/mirroring/steps/1/apply", 200);
        assertThat(back.path("mesh").asText()).startsWith("back to the mesh meshbox up started");
        assertThat(get("/api/mesh").path("clusters").size()).isZero();
        assertThat(mesh.current().clusters()).isEmpty();
    }

    private static JsonNode finished(String run) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode r = get("/api/runs/" + run);
        while (r.path("state").asText().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(200); // a bounded poll of the run's state
            r = get("/api/runs/" + run);
        }
        return r;
    }

    private static JsonNode post(String path, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
