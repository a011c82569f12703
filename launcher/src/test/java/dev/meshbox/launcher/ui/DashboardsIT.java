package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Istio's dashboards in the web UI (issue 20, item 4), in a real headless Chromium over a real Bookinfo mesh: a canary
 * split of reviews 80/20 shows as the service dashboard's per-version split and a 100 % success rate on the mesh
 * dashboard, a fault-injected 500 from ratings in its 5xx panel, and the topology's side panel draws a node's charts.
 * The values are read from what the page rendered; the UI scrapes the proxies every second here.
 */
@ExtendWith(Chromium.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardsIT {

    private static final List<Scenario.Workload> WORKLOADS = List.of(new Scenario.Builtin("bookinfo"));
    private static final String CANARY = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
              - {name: v3, labels: {version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 80
                - destination: {host: reviews, subset: v2}
                  weight: 20
            """;
    private static final String ABORT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: ratings}
            spec:
              hosts: [ratings]
              http:
              - fault:
                  abort:
                    httpStatus: 500
                    percentage: {value: 100}
                route:
                - destination: {host: ratings}
            """;

    private static LocalMesh mesh;
    private static WebUi ui;
    private static ChromeDriver browser;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void up() throws Exception {
        mesh = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.of(11)),
                new PrintStream(OutputStream.nullOutputStream()));
        System.setProperty("meshbox.ui.scrapeMillis", "1000");
        try {
            ui = WebUi.start(new MeshUi(mesh.control(), WORKLOADS), WebUi.Options.loopback(0, Optional.empty()));
        } finally {
            System.clearProperty("meshbox.ui.scrapeMillis");
        }
        browser = Chromium.start(Chromium.find());
        browser.get(ui.url() + "/#dashboards");
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
    void aCanarySplitShowsAsTheServiceDashboardsPerVersionSplitWithFullSuccess() throws Exception {
        apply("canary.yaml", CANARY);
        traffic(20, 6);
        choose("dash-window", "1m"); // a point a second
        choose("dash-rate", "1m"); // steadier than 4 scrapes of 1 s, and the values stay while the test reads them
        // The mesh dashboard: every request succeeded.
        until("the mesh dashboard with 120 requests' rate", d -> stat("requests") > 1.0, 25);
        until("a success rate", d -> !Double.isNaN(stat("successRate")), 10);
        assertThat(stat("successRate")).isEqualTo(1.0);
        assertThat(stat("5xx")).isZero();
        By reviewsV2 =
                By.cssSelector("[data-table=http] tr[data-row='reviews.default.svc.cluster.local/reviews-v2/default']");
        // A series seen in one scrape has no rate yet (Prometheus needs two samples): wait for its success rate.
        double v2Success = until(
                "reviews-v2's success rate in the HTTP workloads table",
                d -> {
                    double v = number(d.findElement(reviewsV2).findElement(By.cssSelector("td[data-col=successRate]")));
                    return Double.isNaN(v) ? null : v;
                },
                10);
        assertThat(v2Success).isEqualTo(1.0);
        assertThat(number(browser.findElement(reviewsV2).findElement(By.cssSelector("td[data-col=p99]"))))
                .isPositive();
        // The request volume chart: a line through the points of the last minutes (a line once there are two).
        until(
                "the request volume's line",
                d -> d.findElement(By.cssSelector("[data-chart=requests] path[data-series=requests]"))
                        .getDomAttribute("d")
                        .matches("M[\\d.]+,[\\d.]+( L[\\d.]+,[\\d.]+)+"),
                15);

        // The service dashboard of reviews: the split as the VirtualService's weights say, within 3 sigma of 120 draws.
        choose("dash-kind", "service");
        choose("dash-service", "reviews.default.svc.cluster.local");
        until(
                "the reviews service dashboard",
                d -> d.findElement(By.cssSelector("#dash-body h2")).getText().contains("reviews.default"),
                10);
        // While the 120 requests are still being scraped in, the two series' rates are extrapolated from different
        // numbers of samples; once they are all in, the share settles. A wrong split never comes within the bound.
        double v1 = until(
                "v1's share within 0.12 of the weight's 0.8",
                d -> {
                    Double share = share("v1");
                    return share != null && Math.abs(share - 0.8) <= 0.12 ? share : null;
                },
                20);
        double v2 = share("v2");
        assertThat(v1).isCloseTo(0.8, within(0.12));
        assertThat(v2).isCloseTo(0.2, within(0.12));
        assertThat(v1 + v2).isCloseTo(1.0, within(1e-6));
        assertThat(browser.findElements(By.cssSelector(".split-row[data-row=v3]")))
                .isEmpty();
        assertThat(browser.findElement(By.cssSelector("[data-table=bySource] tr[data-row='productpage-v1/default']"))
                        .isDisplayed())
                .isTrue();
        assertThat(stat("successRate")).isEqualTo(1.0);
        assertThat(stat("p50")).isPositive();
        shot("service-dashboard");
    }

    @Test
    @Order(2)
    void aFaultInjected500ShowsInTheMesh5xxPanel() throws Exception {
        apply("ratings-abort.yaml", ABORT);
        traffic(20, 10);
        choose("dash-kind", "mesh");
        // reviews-v2 takes a fifth of the pages and calls ratings for each: an abort is there within a few pages.
        until("5xx on the mesh dashboard", d -> stat("5xx") > 0, 40);
        assertThat(stat("successRate")).isLessThan(1.0);
        // As reviews-v2's sidecar reports it: the abort never reached a ratings pod.
        WebElement aborted = until(
                "the aborted calls' row",
                d -> d.findElement(By.cssSelector(
                        "[data-table=http] tr[data-row='ratings.default.svc.cluster.local/unknown/unknown']")),
                10);
        assertThat(number(aborted.findElement(By.cssSelector("td[data-col=successRate]"))))
                .isZero();
        shot("mesh-dashboard");
        // The workload dashboard of reviews-v2: its outbound calls to ratings now failing (the rate's minute still
        // holds the earlier successful ones).
        choose("dash-kind", "workload");
        choose("dash-workload", "default/reviews-v2");
        WebElement ratings = until(
                "reviews-v2's outbound row to ratings",
                d -> d.findElement(
                        By.cssSelector("[data-table=outbound] tr[data-row='ratings.default.svc.cluster.local']")),
                10);
        assertThat(number(ratings.findElement(By.cssSelector("td[data-col=successRate]"))))
                .isLessThan(1.0);
    }

    @Test
    @Order(3)
    void theTopologySidePanelDrawsANodesChartsAndExplainsTraces() {
        browser.findElement(By.cssSelector("#tabs a[data-tab=topology]")).click();
        By reviews = By.cssSelector("#topology .node[data-id='svc:reviews.default']");
        until("the reviews node", d -> d.findElement(reviews).isDisplayed(), 15);
        until(
                "click reviews",
                d -> {
                    d.findElement(reviews).click();
                    return true;
                },
                10);
        until(
                "reviews' charts",
                d -> d.findElements(By.cssSelector("#node-charts svg.chart")).size() == 3,
                15);
        assertThat(browser.findElements(By.cssSelector("#node-charts path[data-series=requests]")))
                .singleElement()
                .satisfies(p -> assertThat(Double.parseDouble(p.getDomAttribute("data-last")))
                        .isPositive());
        shot("topology-node");
        List<WebElement> link = browser.findElements(By.id("node-traces"));
        if (link.isEmpty()) {
            // No Zipkin on 127.0.0.1:9411 here: the panel says how to get one.
            assertThat(browser.findElement(By.id("node-traces-off")).getText()).contains("./meshbox up --tracing");
        } else {
            assertThat(link.get(0).getDomAttribute("href"))
                    .isEqualTo("http://127.0.0.1:9411/zipkin/?serviceName=reviews.default");
        }
    }

    /** Saves what the page shows to {@code target/ui-NAME.png}, for a look at the panels. */
    private static void shot(String name) {
        try {
            java.nio.file.Files.copy(
                    browser.getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath(),
                    java.nio.file.Path.of("target/ui-" + name + ".png"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void apply(String name, String yaml) {
        MeshAccess.ApplyOutcome applied = mesh.control().apply(List.of(new MeshAccess.ConfigText(name, yaml)));
        assertThat(applied.problems()).isEmpty();
    }

    /** Bounded traffic through the UI's own generator: from the ingress gateway to /productpage. */
    private static void traffic(int rate, int seconds) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + "/api/traffic"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"from\":\"ingress\",\"target\":\"/productpage\",\"rate\":" + rate + ",\"seconds\":"
                                        + seconds + "}"))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private static void choose(String select, String value) {
        until(
                select + " = " + value,
                d -> {
                    new Select(d.findElement(By.id(select))).selectByValue(value);
                    return true;
                },
                10);
    }

    /** A stat panel's value as the page holds it; NaN when it shows no data. */
    private static double stat(String id) {
        return number(browser.findElement(By.cssSelector(".stat[data-stat='" + id + "']")));
    }

    private static Double share(String version) {
        String s = browser.findElement(By.cssSelector(".split-row[data-row=" + version + "]"))
                .getDomAttribute("data-share");
        return s == null || s.isEmpty() ? null : Double.valueOf(s);
    }

    private static double number(WebElement e) {
        String v = e.getDomAttribute("data-value");
        return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    private static <T> T until(String what, Function<WebDriver, T> condition, int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds), Duration.ofMillis(200))
                .withMessage("waiting for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }
}
