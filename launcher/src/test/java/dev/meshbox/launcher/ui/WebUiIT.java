package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real headless Chromium against a real Bookinfo mesh: what a workshop attendee sees. The tests share
 * one mesh and one browser and run in order, as a user's session would: traffic first, then the topology with it, a
 * scenario, the editor, the proxies, a lesson. Waits are bounded polls of what the page shows.
 * <p>
 * It also saves {@code target/ui-topology.png}; {@code -Dmeshbox.ui.screenshot=../docs/ui-topology.png} updates the
 * README's picture.
 */
@ExtendWith(Chromium.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiIT {

    private static final List<Scenario.Workload> WORKLOADS = List.of(new Scenario.Builtin("bookinfo"));
    private static final String BROKEN = String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: VirtualService",
            "metadata:",
            "  name: reviews",
            "spec:",
            "  hosts:",
            "  - reviews",
            "  http:",
            "  - route:",
            "    - destination:",
            "        host: reviews",
            "        subset: v1",
            "      weight: 110",
            "    - destination:",
            "        host: reviews",
            "        subset: v2",
            "      weight: -10",
            "");
    private static final int BROKEN_LINE = 17;

    private static LocalMesh mesh;
    private static WebUi ui;
    private static ChromeDriver browser;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void up() throws InterruptedException {
        mesh = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        ui = WebUi.start(new MeshUi(mesh.control(), WORKLOADS), WebUi.Options.loopback(0, Optional.empty()));
        browser = Chromium.start(Chromium.find());
        browser.get(ui.url() + "/");
    }

    @AfterAll
    static void down() {
        if (browser != null) {
            browser.quit();
        }
        if (ui != null) {
            ui.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void pageLoadsWithEveryAssetFromTheJar() throws Exception {
        until(
                "the mesh summary",
                d -> d.findElement(By.id("mesh-summary")).getText().contains("workloads bookinfo"),
                15);
        assertThat(browser.getTitle()).isEqualTo("MeshBox");
        assertThat(browser.findElements(By.cssSelector("#tabs a")))
                .extracting(WebElement::getText)
                .containsExactly("Topology", "Dashboards", "Scenarios", "Config", "Traffic", "Workshop");
        List<String> assets = browser.findElements(By.cssSelector("script[src], link[href], img[src]")).stream()
                .map(e -> e.getDomProperty(e.getTagName().equals("link") ? "href" : "src"))
                .toList();
        assertThat(assets).isNotEmpty().allSatisfy(a -> assertThat(a).startsWith(ui.url() + "/"));
        for (String a : assets) {
            assertThat(get(a).statusCode()).as(a).isEqualTo(200);
        }
        // The tooltips' flag meanings come from the server's one list, not a copy in the page.
        assertThat(get(ui.url() + "/api/mesh").body())
                .contains("\"UO\":\"overflow: the DestinationRule's connectionPool limits were full");
        assertThat((String) browser.executeScript("return MB.flagTitle('UF,URX')"))
                .startsWith("UF: upstream connection failure")
                .contains("; URX: retries exhausted");
    }

    @Test
    @Order(2)
    void trafficPanelStartsAGeneratorAndTheAccessLogTailsItWithFlags() {
        tab("traffic");
        new Select(browser.findElement(By.id("tg-from"))).selectByValue("ingress");
        type(By.id("tg-target"), "/productpage");
        type(By.id("tg-rate"), "20");
        type(By.id("tg-seconds"), "40");
        browser.findElement(By.id("tg-start")).click();
        until(
                "a running generator",
                d -> !d.findElements(By.cssSelector("#generators .generator[data-state=running]"))
                        .isEmpty(),
                10);
        until(
                "access-log lines of productpage's page loads",
                d -> d.findElements(By.cssSelector("#access-log tr.entry")).stream()
                        .anyMatch(r -> r.getText().contains("/productpage")
                                && r.getText().contains("200")),
                20);
        WebElement row = browser.findElement(By.cssSelector("#access-log tr.entry"));
        assertThat(row.findElement(By.cssSelector("td.flags")).getText()).isNotEmpty(); // "-" when no flag
    }

    @Test
    @Order(3)
    void topologyShowsServicesVersionsAndGatewayWithLiveRates() {
        tab("topology");
        until(
                "nodes for the gateway, services and every reviews version",
                d -> List.of(
                                "wl:istio-ingressgateway",
                                "svc:productpage.default",
                                "wl:productpage-v1",
                                "svc:reviews.default",
                                "wl:reviews-v1",
                                "wl:reviews-v2",
                                "wl:reviews-v3",
                                "wl:ratings-v1",
                                "wl:details-v1")
                        .stream()
                        .allMatch(id -> !d.findElements(node(id)).isEmpty()),
                15);
        until(
                "a live rate on the ingress edge",
                d -> rps(edge("wl:istio-ingressgateway", "svc:productpage.default")) > 1,
                20);
        until(
                "reviews traffic split over its three versions",
                d -> List.of("v1", "v2", "v3").stream()
                        .allMatch(v -> share(edge("svc:reviews.default", "wl:reviews-" + v)) > 0.1),
                20);
        until(
                "the ingress edge healthy",
                d -> "ok"
                        .equals(d.findElement(edge("wl:istio-ingressgateway", "svc:productpage.default"))
                                .getDomAttribute("data-health")),
                10);
        act(
                "click the ingress edge",
                d -> d.findElement(edge("wl:istio-ingressgateway", "svc:productpage.default"))
                        .click());
        assertThat(browser.findElement(By.id("topology-detail")).getText())
                .contains("istio-ingressgateway → productpage.default")
                .contains("200 ×");
    }

    @Test
    @Order(4)
    void runningTheCanaryScenarioShowsPassAndTheSplitChart() throws Exception {
        tab("scenarios");
        until(
                "the canary scenario in the list",
                d -> d.findElement(By.cssSelector(".scenario[data-id='builtin:canary-90-10']")),
                15);
        // The list is redrawn every few seconds: each look at it is a bounded retry.
        until(
                "the circuit breaker's missing workloads",
                d -> {
                    WebElement breaker = d.findElement(By.cssSelector(".scenario[data-id='builtin:circuit-breaker']"));
                    return breaker.getText()
                                    .contains("needs httpbin, fortio: ./meshbox up --workloads bookinfo,httpbin,fortio")
                            && !breaker.findElement(By.cssSelector("button.run"))
                                    .isEnabled();
                },
                10);
        act(
                "run the canary",
                d -> d.findElement(By.cssSelector(".scenario[data-id='builtin:canary-90-10'] button.run"))
                        .click());
        until(
                "the canary run to finish",
                d -> finished(d.findElement(By.id("run-view")).getDomAttribute("data-state")),
                90);
        WebElement run = browser.findElement(By.id("run-view"));
        assertThat(run.getDomAttribute("data-state")).as(run.getText()).isEqualTo("passed");
        assertThat(run.findElement(By.cssSelector(".run-state")).getText()).isEqualTo("PASS");
        assertThat(run.findElements(By.cssSelector("tr.check")))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.getDomAttribute("class")).contains("pass"));
        WebElement chart = run.findElement(By.cssSelector("svg.split-chart[data-service=reviews]"));
        assertThat(chart.findElements(By.cssSelector("rect.bar"))).hasSize(3);
        assertThat(chart.findElements(By.cssSelector("rect.band"))).hasSize(3);
        until(
                "the run in this session's list",
                d -> d.findElements(By.cssSelector("#run-list .run-item")).stream()
                        .anyMatch(r -> r.getText().contains("canary-90-10")
                                && r.getText().contains("passed")),
                10);
        shot("scenarios");
    }

    @Test
    @Order(5)
    void topologyWithTheCanaryShowsTheNinetyTenSplitLive() throws Exception {
        HttpResponse<String> r =
                post("/api/traffic", "{\"from\":\"ingress\",\"target\":\"/productpage\",\"rate\":25,\"seconds\":40}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        tab("topology");
        // The window is 10 s: once v3 has had nothing for that long, the edges show the canary's split alone.
        until(
                "reviews split about 90/10 with v3 idle",
                d -> {
                    double v1 = share(edge("svc:reviews.default", "wl:reviews-v1"));
                    double v2 = share(edge("svc:reviews.default", "wl:reviews-v2"));
                    return v1 > 0.7
                            && v2 > 0.02
                            && v2 < 0.3
                            && "idle"
                                    .equals(d.findElement(edge("svc:reviews.default", "wl:reviews-v3"))
                                            .getDomAttribute("data-health"));
                },
                40);
        act(
                "click the reviews v2 edge",
                d -> d.findElement(edge("svc:reviews.default", "wl:reviews-v2")).click());
        assertThat(browser.findElement(By.id("topology-detail")).getText()).contains("share of the service");
        browser.manage().window().setSize(new Dimension(1400, 620));
        Path target = shot("topology");
        browser.manage().window().setSize(new Dimension(1500, 860));
        String docs = System.getProperty("meshbox.ui.screenshot");
        if (docs != null && !docs.isBlank()) {
            Files.copy(target, Path.of(docs), StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Files.size(target)).isGreaterThan(10_000);
    }

    @Test
    @Order(6)
    void applyingInvalidYamlShowsTheErrorAtTheFieldAndItsLine() throws Exception {
        tab("config");
        until(
                "the canary's resources in the list",
                d -> d.findElements(By.cssSelector(
                                        "#resources tr.resource[data-kind=VirtualService][data-name=reviews]"))
                                .size()
                        == 1,
                15);
        WebElement editor = browser.findElement(By.id("yaml-editor"));
        editor.clear();
        editor.sendKeys(BROKEN);
        type(By.id("yaml-name"), "broken.yaml");
        browser.findElement(By.id("apply-yaml")).click();
        WebElement problem = until(
                "the problem under the editor", d -> d.findElement(By.cssSelector("#apply-problems li.problem")), 15);
        assertThat(problem.getText())
                .contains("line " + BROKEN_LINE)
                .contains("VirtualService default/reviews")
                .contains("spec.http[0].route[1].weight")
                .contains("must be >= 0, got -10");
        assertThat(problem.findElement(By.cssSelector(".field")).getText()).isEqualTo("spec.http[0].route[1].weight");
        assertThat(browser.findElements(By.cssSelector("#yaml-gutter .line.error")))
                .extracting(e -> e.getDomAttribute("data-line"))
                .containsExactly(String.valueOf(BROKEN_LINE));
        assertThat(browser.findElement(By.cssSelector("#yaml-backdrop .hl")).getDomAttribute("data-line"))
                .isEqualTo(String.valueOf(BROKEN_LINE));
        assertThat(browser.findElement(By.id("apply-result")).getText()).contains("nothing was applied");
        shot("config");
        // The mesh kept its config: the canary's VirtualService is still the one applied.
        assertThat(mesh.controlPlane().config().snapshot().resources().values())
                .anySatisfy(res -> assertThat(res.yaml()).contains("weight: 90"));
    }

    @Test
    @Order(7)
    void proxyConfigShowsWhatAProxyHoldsAndThatItAckedTheLatestVersion() throws Exception {
        By row = By.cssSelector("#proxies tr.proxy[data-pod^='productpage-v1']");
        until("productpage's proxy in sync", d -> d.findElement(row).getText().contains("SYNCED"), 15);
        act("open productpage's proxy-config", d -> d.findElement(row).click());
        WebElement clusters =
                until("its clusters", d -> d.findElement(By.cssSelector("#proxy-config [data-table=clusters]")), 15);
        assertThat(clusters.getText())
                .contains("reviews.default.svc.cluster.local")
                .contains("v1")
                .contains("v2")
                .contains("outbound");
        assertThat(browser.findElement(By.cssSelector("#proxy-config [data-table=routes]"))
                        .getText())
                .contains("reviews")
                .contains("90");
        assertThat(browser.findElement(By.cssSelector("#proxy-config [data-table=listeners]"))
                        .getText())
                .contains("virtualOutbound");
        assertThat(browser.findElement(By.cssSelector("#proxy-config [data-table=endpoints]"))
                        .getText())
                .contains(":9080");
        assertThat(browser.findElement(By.id("proxy-config")).getText()).contains("ACKed the latest version");
        shot("proxy-config");
    }

    @Test
    @Order(8)
    void aWorkshopLessonAppliesItsYamlSendsTrafficAndExplains() throws Exception {
        tab("workshop");
        until(
                "the lessons",
                d -> d.findElements(By.cssSelector("#lesson-list .lesson")).size() >= 8,
                15);
        browser.findElement(By.cssSelector("#lesson-list .lesson[data-id=circuit-breaking]"))
                .click();
        assertThat(browser.findElement(By.cssSelector(".lesson-missing")).getText())
                .contains("httpbin, fortio")
                .contains("./meshbox up --workloads bookinfo,httpbin,fortio");
        browser.findElement(By.cssSelector("#lesson-list .lesson[data-id=user-routing]"))
                .click();
        WebElement step = browser.findElement(By.cssSelector("#lesson-view .step[data-step='1']"));
        assertThat(step.getText())
                .contains("virtual-service-reviews-test-v2.yaml")
                .contains("end-user");
        step.findElement(By.cssSelector("button.lesson-apply")).click();
        until(
                "the lesson's config applied",
                d -> d.findElement(By.cssSelector("#lesson-view .step[data-step='1'] .applied"))
                        .getText()
                        .contains("virtualservice.networking.istio.io/reviews created"),
                20);
        browser.findElement(By.cssSelector("#lesson-view .step[data-step='1'] button.lesson-traffic"))
                .click();
        until(
                "jason's pages checked",
                d -> finished(d.findElement(By.cssSelector("#lesson-view .step[data-step='1'] .lesson-run"))
                        .getDomAttribute("data-state")),
                60);
        assertThat(browser.findElement(By.cssSelector("#lesson-view .step[data-step='1'] .lesson-run"))
                        .getDomAttribute("data-state"))
                .isEqualTo("passed");
        WebElement done = browser.findElement(By.cssSelector("#lesson-view .step[data-step='1']"));
        assertThat(done.getText()).contains("reviews v2 share").contains("pass").contains("black stars");
        assertThat(done.findElement(By.cssSelector("details.why-box")).getDomProperty("open"))
                .isEqualTo("true");
        shot("workshop");
    }

    @Test
    @Order(9)
    void badApiRequestsGet400WithAMessageAndTheMeshKeepsServing() throws Exception {
        HttpResponse<String> noScenario = post("/api/runs", "{}");
        assertThat(noScenario.statusCode()).isEqualTo(400);
        assertThat(noScenario.body()).contains("scenario: is required");
        HttpResponse<String> notJson = post("/api/config/apply", "apiVersion: v1");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("must be JSON");
        HttpResponse<String> badFrom = post("/api/traffic", "{\"from\":\"nobody\",\"target\":\"/productpage\"}");
        assertThat(badFrom.statusCode()).isEqualTo(400);
        assertThat(badFrom.body()).contains("from: \\\"nobody\\\" is not a workload");
        HttpResponse<String> badRate =
                post("/api/traffic", "{\"from\":\"ingress\",\"target\":\"/productpage\",\"rate\":-1}");
        assertThat(badRate.statusCode()).isEqualTo(400);
        assertThat(badRate.body()).contains("rate:");
        HttpResponse<String> missing = post("/api/runs", "{\"scenario\":\"builtin:circuit-breaker\"}");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(missing.body())
                .contains("needs workloads this mesh does not run: httpbin, fortio")
                .contains("./meshbox up --workloads bookinfo,httpbin,fortio");
        HttpResponse<String> crossSite = HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + "/api/config/reset"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .header("Content-Type", "text/plain")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(crossSite.statusCode()).isEqualTo(415);
        assertThat(get(ui.url() + "/api/no-such-thing").statusCode()).isEqualTo(404);
        assertThat(get(ui.url() + "/api/runs/run-999").statusCode()).isEqualTo(404);
        assertThat(get(ui.url() + "/api/topology").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(10)
    void aResourceAppliedThenDeletedThroughTheApiComesAndGoes() throws Exception {
        String yaml = "apiVersion: networking.istio.io/v1\\nkind: DestinationRule\\nmetadata: {name: ui-probe}\\n"
                + "spec:\\n  host: ui-probe\\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\\n";
        HttpResponse<String> applied =
                post("/api/config/apply", "{\"name\": \"probe.yaml\", \"yaml\": \"" + yaml + "\"}");
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
        assertThat(applied.body()).contains("destinationrule.networking.istio.io/ui-probe created");

        HttpResponse<String> deleted = delete("/api/config/DestinationRule/default/ui-probe");

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.body()).contains("destinationrule.networking.istio.io/ui-probe deleted");
        assertThat(mesh.controlPlane().config().snapshot().resources().keySet())
                .noneMatch(k -> k.name().equals("ui-probe"));
        assertThat(delete("/api/config/DestinationRule/default/ui-probe").statusCode())
                .isEqualTo(404);
    }

    // ---- helpers

    /** Saves what the browser shows as target/ui-NAME.png (the README's picture, and a record of each step). */
    private static Path shot(String name) throws java.io.IOException {
        Path target = Path.of("target/ui-" + name + ".png");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static By node(String id) {
        return By.cssSelector("#topology .node[data-id='" + id + "']");
    }

    private static By edge(String source, String target) {
        return By.cssSelector("#topology .edge[data-id='" + source + "->" + target + "']");
    }

    /** A run's state as the page shows it, read once: null before the first answer, then running until it ends. */
    private static boolean finished(String state) {
        return state != null && !state.equals("running");
    }

    private static double rps(By edge) {
        List<WebElement> e = browser.findElements(edge);
        return e.isEmpty() ? 0 : Double.parseDouble(e.get(0).getDomAttribute("data-rps"));
    }

    private static double share(By edge) {
        List<WebElement> e = browser.findElements(edge);
        return e.isEmpty() ? 0 : Double.parseDouble(e.get(0).getDomAttribute("data-share"));
    }

    private static void tab(String name) {
        browser.findElement(By.cssSelector("#tabs a[data-tab=" + name + "]")).click();
        until("the " + name + " tab", d -> d.findElement(By.id("tab-" + name)).isDisplayed(), 5);
    }

    private static void type(By field, String text) {
        WebElement e = browser.findElement(field);
        e.clear();
        e.sendKeys(text);
    }

    /** Does something to what the page shows, retrying while a redraw replaces the element under it. */
    private static void act(String what, java.util.function.Consumer<WebDriver> action) {
        until(
                what,
                d -> {
                    action.accept(d);
                    return true;
                },
                10);
    }

    /** Polls until the condition gives a non-null, non-false value; fails with {@code what} after {@code seconds}. */
    private static <T> T until(String what, Function<WebDriver, T> condition, int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds), Duration.ofMillis(200))
                .withMessage("waiting for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }

    private static HttpResponse<String> delete(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path))
                        .DELETE()
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
