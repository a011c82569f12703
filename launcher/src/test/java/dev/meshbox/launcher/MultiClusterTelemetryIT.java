package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Istio's cluster ids in telemetry across a multi-primary, multi-network mesh: cluster1's sleep calling helloworld
 * v2 in cluster2 (through cluster2's east-west gateway) is reported by both sidecars with {@code source_cluster}
 * cluster1 and {@code destination_cluster} cluster2, as Istio's standard metrics label it.
 */
class MultiClusterTelemetryIT {

    private static Scenario.Builtin builtin(String name) {
        return new Scenario.Builtin(name, "sample", java.util.Optional.empty(), true);
    }

    @Test
    void aCrossClusterCallCarriesBothClusterIdsOnEitherSide() throws Exception {
        List<ClusterSpec> clusters = List.of(
                new ClusterSpec(
                        "cluster1", "network1", MeshSpec.of(List.of(builtin("helloworld-v1"), builtin("sleep"))), null),
                new ClusterSpec("cluster2", "network2", MeshSpec.of(List.of(builtin("helloworld-v2"))), null));
        try (MultiClusterMesh mesh = MultiClusterMesh.start(
                clusters,
                LocalOptions.isolated(OptionalLong.of(7)),
                new PrintStream(OutputStream.nullOutputStream()))) {
            boolean v2 = false;
            for (int i = 0; i < 20 && !v2; i++) {
                TrafficDriver.Result r = new TrafficDriver(mesh)
                        .send(
                                new Scenario.Traffic(
                                        "sleep@cluster1", "GET", "http://helloworld.sample:5000/hello", Map.of(), 1, 1),
                                "telemetry" + i,
                                x -> {})
                        .get(0);
                v2 = r.body().startsWith("Hello version: v2");
            }
            assertThat(v2).as("v2 in cluster2 answered cluster1's sleep").isTrue();

            assertThat(series(scrape(mesh, "sleep@cluster1"), "reporter=\"source\"", "destination_version=\"v2\""))
                    .isNotEmpty()
                    .allSatisfy(s ->
                            assertThat(s).contains("source_cluster=\"cluster1\"", "destination_cluster=\"cluster2\""));
            assertThat(series(scrape(mesh, "sleep@cluster1"), "reporter=\"source\"", "destination_version=\"v1\""))
                    .allSatisfy(s ->
                            assertThat(s).contains("source_cluster=\"cluster1\"", "destination_cluster=\"cluster1\""));
            assertThat(series(scrape(mesh, "helloworld@cluster2"), "reporter=\"destination\"", "source_app=\"sleep\""))
                    .isNotEmpty()
                    .allSatisfy(s ->
                            assertThat(s).contains("source_cluster=\"cluster1\"", "destination_cluster=\"cluster2\""));
        }
    }

    private static List<String> series(String text, String... having) {
        return text.lines()
                .filter(l -> l.startsWith("istio_requests_total{"))
                .filter(l -> List.of(having).stream().allMatch(l::contains))
                .toList();
    }

    private static String scrape(MultiClusterMesh mesh, String workload) throws Exception {
        String ip = mesh.pod(workload).pod().ip();
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + ip + ":15090/stats/prometheus"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
