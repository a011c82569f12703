package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The UI of {@code meshbox up} in a real headless Chromium, on a mesh of one cluster running sleep: the workshop's
 * multi-primary lesson brings its two clusters (two networks, east-west gateways) up when its first step starts, and
 * runs to green step by step; then the topology shows both clusters as bands with their networks, the east-west
 * gateways and the cross-cluster edge, the Config tab each cluster's own control plane, and the traffic panel sources
 * as NAME@CLUSTER. The topology is saved as {@code target/ui-multicluster.png}.
 */
@ExtendWith(Chromium.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiClusterUiIT {

    private static final List<Scenario.Workload> WORKLOADS = List.of(new Scenario.Builtin("sleep"));
    private static final String LESSON = "#lesson-view[data-lesson=multicluster-multi-primary]";

    private static LocalMesh first;
    private static LessonMeshUi mesh;
    private static WebUi ui;
    private static UiPage page;

    @BeforeAll
    static void up() throws InterruptedException {
        first = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        mesh = new LessonMeshUi(new MeshUi(first.control(), WORKLOADS));
        ui = WebUi.start(mesh, WebUi.Options.loopback(0, Optional.empty()));
        page = UiPage.open(ui.url() + "/#workshop");
    }

    @AfterAll
    static void down() {
        if (page != null) {
            page.close();
        }
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
    @Order(1)
    void theMultiPrimaryLessonBringsItsClustersUpAndRunsToGreen() {
        page.until(
                "the mesh of one cluster",
                d -> d.findElement(By.id("mesh-summary")).getText().contains("sleep"),
                15);
        page.click("#lesson-list .lesson[data-id=multicluster-multi-primary]", 15);
        assertThat(page.find(LESSON + " .lesson-clusters").getText())
                .contains("Clusters (multi-primary model)")
                .contains("cluster1 (network1): helloworld-v1.sample, sleep.sample")
                .contains("cluster2 (network2): helloworld-v2.sample, sleep.sample");

        page.click(LESSON + " .step[data-step='1'] button.lesson-apply", 5);
        page.until(
                "the lesson's clusters up",
                d -> d.findElement(By.cssSelector(LESSON + " .step[data-step='1'] .lesson-mesh"))
                        .getText()
                        .contains("started clusters cluster1 (network1: "),
                60);
        page.until(
                "the header naming both clusters",
                d -> d.findElement(By.id("mesh-summary"))
                        .getText()
                        .startsWith("2 clusters (multi-primary): cluster1 on network1"),
                10);

        for (int step = 1; step <= 4; step++) {
            String css = LESSON + " .step[data-step='" + step + "']";
            if (step == 3) {
                page.click(css + " button.lesson-apply", 5);
                WebElement applied = page.until(
                        "step 3's DestinationRule applied",
                        d -> d.findElement(By.cssSelector(css + " .step-result p:not(.muted)")),
                        30);
                assertThat(applied.getText())
                        .as("applied in both clusters")
                        .contains("cluster1: destinationrule.networking.istio.io/helloworld")
                        .contains("cluster2: destinationrule.networking.istio.io/helloworld");
            }
            page.click(css + " button.lesson-traffic", 5);
            String state = page.until(
                    "step " + step + " checked",
                    d -> {
                        String s = d.findElement(By.cssSelector(css + " .lesson-run"))
                                .getDomAttribute("data-state");
                        return s != null && !s.equals("running") ? s : null;
                    },
                    60);
            assertThat(state).as("step %d: %s", step, page.find(css).getText()).isEqualTo("passed");
        }
        assertThat(page.find(LESSON + " .step[data-step='4']").getText()).contains("pass");
    }

    @Test
    @Order(2)
    void theTopologyShowsEachClusterItsEastWestGatewayAndTheCrossClusterEdge() throws java.io.IOException {
        page.tab("topology");
        for (String[] c : new String[][] {{"cluster1", "network1"}, {"cluster2", "network2"}}) {
            WebElement band = page.until(
                    c[0] + "'s band",
                    d -> d.findElement(By.cssSelector("#topology g.band.cluster[data-cluster=" + c[0] + "]")),
                    15);
            assertThat(band.getDomAttribute("data-network")).isEqualTo(c[1]);
            assertThat(band.getText()).isEqualTo(c[0] + " · " + c[1]);
        }
        assertThat(page.find("#topology g.band.shared").getText()).isEqualTo("services (every cluster)");
        page.until(
                "both east-west gateways",
                d -> d.findElements(By.cssSelector(
                                        "#topology .node[data-kind=gateway][data-id^='wl:istio-eastwestgateway@']"))
                                .size()
                        == 2,
                10);
        // Every call of the lesson's last step crossed to cluster2: telemetry's source_cluster and destination_cluster.
        // Step 1 sent about 20 of its 40 calls to v2 and step 4 all of its 20: at least 20 in any case. The page
        // redraws
        // every 2 s from a fresh reading of every proxy, so the count is awaited rather than read once.
        String crossEdge = "#topology .edge.cross-cluster[data-id='svc:helloworld.sample->wl:helloworld-v2@cluster2']";
        try {
            page.until(
                    "at least 20 calls on the cross-cluster edge to v2",
                    d -> {
                        List<WebElement> found = d.findElements(By.cssSelector(crossEdge));
                        return !found.isEmpty()
                                && Long.parseLong(found.get(0).getDomAttribute("data-cross-cluster")) >= 20;
                    },
                    30);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError(e.getMessage() + "; the topology's helloworld edges: " + helloworldEdges(), e);
        }
        // cluster2's east-west gateway passed the connections from cluster1 through by SNI to helloworld.
        page.until(
                "cluster2's east-west gateway passing connections through to helloworld",
                d -> d.findElement(
                                By.cssSelector(
                                        "#topology .edge.passthrough[data-id='wl:istio-eastwestgateway@cluster2->svc:helloworld.sample']"))
                        .isDisplayed(),
                10);
        // sleep in each cluster is its own caller of the one helloworld service.
        assertThat(page.browser().findElements(By.cssSelector("#topology .edge[data-kind=request]")))
                .extracting(e -> e.getDomAttribute("data-id"))
                .contains("wl:sleep@cluster1->svc:helloworld.sample", "wl:sleep@cluster2->svc:helloworld.sample");
        java.nio.file.Files.write(
                java.nio.file.Path.of("target/ui-multicluster.png"),
                page.browser().getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    }

    @Test
    @Order(3)
    void configIsPerClusterAndTrafficStartsFromAWorkloadAtItsCluster() {
        page.tab("config");
        Select cluster = new Select(page.until("the cluster choice", d -> d.findElement(By.id("config-cluster")), 10));
        cluster.selectByValue("cluster2");
        page.until(
                "cluster2's proxies only",
                d -> {
                    List<String> pods = d.findElements(By.cssSelector("#proxies tr.proxy")).stream()
                            .map(e -> e.getDomAttribute("data-pod"))
                            .toList();
                    return !pods.isEmpty()
                            && pods.stream().anyMatch(p -> p.startsWith("istio-eastwestgateway"))
                            && pods.stream().noneMatch(p -> p.startsWith("helloworld-v1"));
                },
                15);
        page.until(
                "cluster2's own copy of the DestinationRule",
                d -> !d.findElements(By.cssSelector(
                                "#resources tr.resource[data-kind=DestinationRule][data-name=helloworld]"))
                        .isEmpty(),
                10);

        page.tab("traffic");
        Select from = new Select(page.find("#tg-from"));
        assertThat(from.getOptions())
                .extracting(o -> o.getDomAttribute("value"))
                .contains("ingress@cluster1", "ingress@cluster2", "sleep@cluster1", "sleep@cluster2")
                .doesNotContain("ingress", "sleep");
        from.selectByValue("sleep@cluster2");
        WebElement target = page.find("#tg-target");
        target.clear();
        target.sendKeys("http://helloworld.sample:5000/hello");
        WebElement rate = page.find("#tg-rate");
        rate.clear();
        rate.sendKeys("10");
        WebElement seconds = page.find("#tg-seconds");
        seconds.clear();
        seconds.sendKeys("2");
        page.find("#tg-start").click();
        page.until(
                "the generator from sleep in cluster2 finished with 200s",
                d -> {
                    WebElement g = d.findElement(By.cssSelector("#generators .generator"));
                    return "finished".equals(g.getDomAttribute("data-state"))
                            && g.getText().contains("from sleep@cluster2")
                            && g.getText().contains("200 × 20");
                },
                20);
    }

    /** The topology API's edges to and from helloworld with their counts, for a failure message. */
    private static String helloworldEdges() {
        try {
            String json = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(ui.url() + "/api/topology"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
            StringBuilder out = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json)
                    .path("edges")) {
                if (e.path("id").asText().contains("helloworld")) {
                    out.append("\n  ").append(e);
                }
            }
            return out.toString();
        } catch (java.io.IOException | InterruptedException e) {
            return "not readable: " + e;
        }
    }
}
