package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * End to end on real k3s (Testcontainers' K3sContainer), where its image is in the local Docker engine: Bookinfo from
 * the project's manifests with sidecars injected by the namespace label, and {@code kubectl apply} of Istio's own
 * 90/10 sample shifting what the ingress serves. Skipped with the reason where k3s cannot run (no image, no registry).
 */
class K3sIT {

    private static final Path NETWORKING = Path.of("..", "..", "shared", "istio", "samples", "bookinfo", "networking");

    @Test
    void bookinfoOnK3sFollowsKubectlApplyOfIstiosSample() throws Exception {
        Optional<String> why = Clusters.k3sUnavailable();
        assumeTrue(why.isEmpty(), () -> "k3s cannot run on this machine: " + why.orElse(""));
        assumeTrue(Files.isDirectory(NETWORKING), "Istio's samples are not beside this checkout: " + NETWORKING);
        try (KubeMesh mesh = Backends.startOnKubernetes(
                Backends.Target.of(Backends.K3S),
                MeshSpec.bookinfo(),
                Backends.Ports.FREE,
                OptionalLong.of(42),
                new PrintStream(System.out, true))) {
            // Every Bookinfo pod got its sidecar from the webhook.
            assertThat(mesh.client().pods().inNamespace("default").list().getItems())
                    .hasSize(6)
                    .allSatisfy(p -> assertThat(p.getSpec().getContainers())
                            .extracting(c -> c.getName())
                            .contains("istio-proxy"));
            for (String file : List.of("destination-rule-all.yaml", "virtual-service-reviews-90-10.yaml")) {
                try (InputStream in = Files.newInputStream(NETWORKING.resolve(file))) {
                    for (var item : mesh.client().load(in).items()) {
                        mesh.client()
                                .resource(item)
                                .inNamespace("default")
                                .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
                    }
                }
            }
            HttpClient http = HttpClient.newHttpClient();
            URI page = URI.create("http://127.0.0.1:" + mesh.ingress().getPort() + "/productpage");
            // The watch and the push take a moment after kubectl returns; then 200 pages.
            Wait.atMost(Duration.ofSeconds(30))
                    .pollingEvery(Duration.ofMillis(50))
                    .until("the 90/10 split", () -> {
                        try {
                            http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.discarding());
                        } catch (IOException e) {
                            return Optional.of("GET " + page + ": " + e);
                        }
                        return mesh.accessLog().stream()
                                        .anyMatch(e -> e.upstreamCluster().contains("|v2|reviews"))
                                ? Optional.empty()
                                : Optional.of("no page was served by reviews v2 yet");
                    });
            Map<String, Long> before = reviews(mesh);
            for (int i = 0; i < 200; i++) {
                assertThat(http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode())
                        .isEqualTo(200);
            }
            Map<String, Long> versions = reviews(mesh);
            String c1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
            String c2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
            long v1 = versions.getOrDefault(c1, 0L) - before.getOrDefault(c1, 0L);
            long v2 = versions.getOrDefault(c2, 0L) - before.getOrDefault(c2, 0L);
            assertThat(v1 + v2).isGreaterThanOrEqualTo(200);
            assertThat((double) v2 / (v1 + v2))
                    .as("share of reviews v2 %s", versions)
                    .isBetween(0.04, 0.18);
        }
    }

    /** Requests productpage's sidecar sent to each reviews cluster so far. */
    private static Map<String, Long> reviews(KubeMesh mesh) {
        return mesh.accessLog().stream()
                .filter(e ->
                        e.direction().equals("outbound") && e.upstreamCluster().contains("reviews"))
                .collect(Collectors.groupingBy(MeshAccess.LogEntry::upstreamCluster, Collectors.counting()));
    }
}
