package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * {@code up --backend kubernetes --clusters 2} for real, on two clusters whose nodes have MeshBox's image:
 * {@code -Dmeshbox.kubeconfigs=cluster1.yaml,cluster2.yaml -Dmeshbox.image=IMAGE}. Each cluster's istiod, given the
 * other's remote secret, sees the other's helloworld and sleep pods ({@code /debug/remote_clusters}). Skipped with the
 * reason where no two clusters are given: none can run on the CI machine (no registry, no k3s image);
 * KubeClustersTest covers the same install against two API test servers.
 */
class KubeClustersIT {

    @Test
    void eachClustersControlPlaneSeesTheOtherClustersPods() throws Exception {
        String kubeconfigs = System.getProperty("meshbox.kubeconfigs", "");
        String image = System.getProperty("meshbox.image", "");
        assumeTrue(
                kubeconfigs.split(",").length == 2 && !image.isBlank(),
                "no two clusters given: run with -Dmeshbox.kubeconfigs=cluster1.yaml,cluster2.yaml"
                        + " -Dmeshbox.image=IMAGE (an image both clusters' nodes pull)");
        PrintStream out = new PrintStream(System.out, true);
        List<KubeClusters.Target> targets = new ArrayList<>();
        String[] files = kubeconfigs.split(",");
        for (int i = 0; i < files.length; i++) {
            Clusters.Cluster c = Clusters.existing(Path.of(files[i].strip()), null, image, out);
            targets.add(new KubeClusters.Target("cluster" + (i + 1), "network" + (i + 1), c.client(), c.image()));
        }
        List<Scenario.Workload> workloads = new ArrayList<>();
        for (String w : List.of("helloworld", "sleep")) {
            workloads.add(BuiltinWorkloads.parse(w).workload().orElseThrow());
        }
        try (KubeClusters clusters = KubeClusters.start(
                targets,
                MeshSpec.of(workloads),
                KubeMesh.Options.isolated(image, OptionalLong.of(42)),
                null,
                Duration.ofMinutes(2),
                KubeClusters.MESH,
                out)) {
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            for (KubeClusters.Target t : targets) {
                String other = t.name().equals("cluster1") ? "cluster2" : "cluster1";
                KubeMesh mesh = (KubeMesh) clusters.meshes().get(t.name());
                Wait.atMost(Duration.ofMinutes(2))
                        .pollingEvery(Duration.ofSeconds(1))
                        .until(t.name() + "'s view of " + other, () -> {
                            JsonNode remote;
                            try {
                                remote = json.readTree(http.send(
                                                HttpRequest.newBuilder(
                                                                mesh.admin().resolve("/debug/remote_clusters"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .body());
                            } catch (IOException e) {
                                return Optional.of(e.toString());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return Optional.of("interrupted");
                            }
                            return remote.path(other).toString().contains("helloworld")
                                    ? Optional.empty()
                                    : Optional.of("remote clusters: " + remote);
                        });
                assertThat(mesh.client()
                                .secrets()
                                .inNamespace("istio-system")
                                .withName("istio-remote-secret-" + other)
                                .get())
                        .isNotNull();
            }
        }
    }
}
