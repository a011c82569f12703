package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.Pages.Page;
import dev.meshbox.launcher.Pages.Stars;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bookinfo end to end on the local backend: Istio YAML in, pages out, through real xDS and real sidecars. */
class BookinfoMeshIT {

    private static LocalMesh mesh;
    private static Pages pages;

    @BeforeAll
    static void up() throws InterruptedException {
        mesh = LocalMesh.start(
                MeshSpec.bookinfo(),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        pages = new Pages(mesh.ingress());
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @BeforeEach
    void reset() {
        mesh.resetConfig();
    }

    @Test
    void withoutVirtualServicesReloadingShowsAllThreeReviewVersions() throws Exception {
        List<Page> loaded = pages.load("/productpage", 30);
        assertThat(loaded).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.body()).contains("Simple Bookstore App").contains("Reviews served by:");
        });
        assertThat(loaded).extracting(Page::stars).contains(Stars.NONE, Stars.BLACK, Stars.RED);
    }

    @Test
    void istioSamplesRouteAllToV1ThenReviewsToV3() throws Exception {
        Path samples = Pages.istioSamples().orElse(null);
        Assumptions.assumeTrue(
                samples != null,
                "Istio's samples are not beside this checkout (../shared/istio/samples); "
                        + "the same flow runs on the project's fixtures in projectFixturesRouteAllToV1ThenReviewsToV3");
        Path networking = samples.resolve("bookinfo/networking");
        apply(networking.resolve("bookinfo-gateway.yaml"));
        assertThat(pages.load("/productpage").status()).isEqualTo(200);
        allToV1ThenV3(
                networking.resolve("destination-rule-all.yaml"),
                networking.resolve("virtual-service-all-v1.yaml"),
                networking.resolve("virtual-service-reviews-v3.yaml"));
    }

    @Test
    void projectFixturesRouteAllToV1ThenReviewsToV3() throws Exception {
        Path fixtures = Pages.projectFixtures();
        allToV1ThenV3(
                fixtures.resolve("destination-rule-all.yaml"),
                fixtures.resolve("virtual-service-all-v1.yaml"),
                fixtures.resolve("virtual-service-reviews-v3.yaml"));
    }

    private void allToV1ThenV3(Path destinationRules, Path allV1, Path reviewsV3) throws Exception {
        apply(destinationRules, allV1);
        assertThat(pages.load("/productpage", 50)).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.stars()).isEqualTo(Stars.NONE);
        });
        apply(reviewsV3);
        assertThat(pages.load("/productpage", 50)).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.stars()).isEqualTo(Stars.RED);
            assertThat(p.body()).contains("Reviews served by: reviews-v3-");
        });
    }

    @Test
    void rejectedYamlLeavesTheLastGoodConfigServing() throws Exception {
        Path fixtures = Pages.projectFixtures();
        apply(fixtures.resolve("destination-rule-all.yaml"), fixtures.resolve("virtual-service-reviews-v3.yaml"));
        MeshAccess.ApplyOutcome bad = mesh.apply(List.of(new MeshAccess.ConfigText("broken.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: -10
                """)));
        assertThat(bad.ok()).isFalse();
        assertThat(bad.problems())
                .singleElement()
                .asString()
                .isEqualTo(
                        "broken.yaml: VirtualService default/reviews: spec.http[0].route[0].weight: must be >= 0, got -10");
        assertThat(pages.load("/productpage", 10)).extracting(Page::stars).containsOnly(Stars.RED);
    }

    @Test
    void ingressAnswers404ForPathsTheGatewayDoesNotExpose() throws Exception {
        Page p = pages.load("/admin");
        assertThat(p.status()).isEqualTo(404);
    }

    @Test
    void sidecarAdminShowsTheEnvoyResourcesItReceived() throws Exception {
        LocalMesh.RunningPod productpage = mesh.pods().stream()
                .filter(p -> p.pod().app().equals("productpage"))
                .findFirst()
                .orElseThrow();
        String dump = get("http://" + productpage.pod().ip() + ":15000/config_dump");
        assertThat(dump)
                .contains(
                        "virtualOutbound",
                        "0.0.0.0_9080",
                        "virtualInbound",
                        "outbound|9080||reviews.default.svc.cluster.local",
                        "\"9080\"");
        assertThat(get("http://" + productpage.pod().ip() + ":15000/ready")).contains("LIVE");
        assertThat(get("http://" + productpage.pod().ip() + ":15000/clusters"))
                .contains("outbound|9080||reviews.default.svc.cluster.local::");
        assertThat(get("http://" + productpage.pod().ip() + ":15000/stats")).contains("upstream_rq_total");
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void apply(Path... files) throws IOException {
        List<MeshAccess.ConfigText> texts = new ArrayList<>();
        for (Path f : files) {
            texts.add(new MeshAccess.ConfigText(f.getFileName().toString(), Files.readString(f)));
        }
        MeshAccess.ApplyOutcome outcome = mesh.apply(texts);
        assertThat(outcome.problems())
                .as("problems applying %s", List.of(files))
                .isEmpty();
    }
}
