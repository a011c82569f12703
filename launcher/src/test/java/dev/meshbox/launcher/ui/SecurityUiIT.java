package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.registry.Pod;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Security in the web UI (issue 18, item 7), in a real headless Chromium over a real loopback mesh with auto mTLS:
 * the topology's lock on an edge whose calls came over mutual TLS and none on a plaintext one (a DestinationRule
 * DISABLE), a proxy's workload certificate, and a refusal by an AuthorizationPolicy explained in a scenario run and in
 * the access log with the rule and the caller's identity.
 */
@ExtendWith(Chromium.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityUiIT {

    private static final List<Scenario.Workload> WORKLOADS = List.of(
            new Scenario.Builtin("sleep"),
            new Scenario.Builtin("httpbin"),
            new Scenario.Echo("shop", 8080, Map.of("v1", new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0))));
    private static final String DENIED = """
            name: httpbin-allow-nothing
            description: an ALLOW policy without rules on httpbin refuses every call
            workloads: [sleep, httpbin]
            steps:
              - name: allow-nothing
                config:
                  - inline: |
                      apiVersion: security.istio.io/v1
                      kind: AuthorizationPolicy
                      metadata: {name: allow-nothing, namespace: default}
                      spec:
                        selector:
                          matchLabels: {app: httpbin}
                traffic: {from: sleep, url: "http://httpbin:8000/get", count: 3}
                expect:
                  - statusShare: {shares: {403: 1.0}}
            """;

    @TempDir
    static Path scenarios;

    private static LocalMesh mesh;
    private static WebUi ui;
    private static ChromeDriver browser;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void up() throws Exception {
        Files.writeString(scenarios.resolve("denied.yaml"), DENIED);
        mesh = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.of(7)),
                new PrintStream(OutputStream.nullOutputStream()));
        ui = WebUi.start(new MeshUi(mesh.control(), WORKLOADS), WebUi.Options.loopback(0, Optional.of(scenarios)));
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
    void aLockMarksTheMutualTlsEdgeAndNotThePlaintextOne() throws Exception {
        MeshAccess.ApplyOutcome applied =
                mesh.control().apply(List.of(new MeshAccess.ConfigText("shop-plaintext.yaml", """
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata: {name: shop}
                        spec:
                          host: shop
                          trafficPolicy:
                            tls: {mode: DISABLE}
                        """)));
        assertThat(applied.problems()).isEmpty();
        for (String target : List.of("http://httpbin:8000/get", "http://shop:8080/")) {
            HttpResponse<String> r = post(
                    "/api/traffic", "{\"from\":\"sleep\",\"target\":\"" + target + "\",\"rate\":10,\"seconds\":15}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        tab("topology");
        By mtls = edge("wl:sleep", "svc:httpbin.default");
        By plain = edge("wl:sleep", "svc:shop.default");
        until(
                "a lock on sleep → httpbin",
                d -> "mutual_tls".equals(d.findElement(mtls).getDomAttribute("data-security"))
                        && !d.findElement(mtls)
                                .findElements(By.cssSelector(".lock"))
                                .isEmpty(),
                20);
        until(
                "sleep → shop seen as plaintext",
                d -> "none".equals(d.findElement(plain).getDomAttribute("data-security")),
                20);
        assertThat(browser.findElement(plain).findElements(By.cssSelector(".lock")))
                .isEmpty();
        act("click the plaintext edge", d -> d.findElement(plain).click());
        assertThat(browser.findElement(By.id("topology-detail")).getText()).contains("plaintext (no mutual TLS)");
        act("click the mTLS edge", d -> d.findElement(mtls).click());
        assertThat(browser.findElement(By.id("topology-detail")).getText()).contains("mutual TLS");
    }

    @Test
    @Order(2)
    void theProxyViewShowsTheWorkloadCertificateIdentityAndExpiry() throws Exception {
        Pod httpbin = mesh.control().pod("httpbin");
        JsonNode certs = JSON.readTree(mesh.control().adminGet(httpbin, "/certs"));
        JsonNode leaf = certs.at("/certificates/0/cert_chain/0");
        String identity = "spiffe://cluster.local/ns/default/sa/" + httpbin.serviceAccount();
        assertThat(leaf.at("/subject_alt_names/0/uri").asText()).isEqualTo(identity);
        tab("config");
        By row = By.cssSelector("#proxies tr.proxy[data-pod='" + httpbin.name() + "']");
        act("open httpbin's proxy-config", d -> d.findElement(row).click());
        WebElement cert = until(
                "httpbin's certificate",
                d -> d.findElement(By.cssSelector("#proxy-config [data-table=certificate] table.cert")),
                15);
        assertThat(cert.findElement(By.cssSelector("tr[data-field=identity] td"))
                        .getText())
                .isEqualTo(identity);
        assertThat(cert.findElement(By.cssSelector("tr[data-field=serial] td")).getText())
                .isEqualTo(leaf.path("serial_number").asText());
        // Istio's default workload certificate lives 24 h: fresh, it has 23 h and some minutes left.
        assertThat(cert.findElement(By.cssSelector("tr[data-field=expires] td")).getText())
                .startsWith(leaf.path("expiration_time").asText())
                .matches(".*\\(in 2[34] h \\d+ min\\)");
        assertThat(cert.findElement(By.cssSelector("tr[data-field=root] td")).getText())
                .startsWith("serial ")
                .contains(" days)");
    }

    @Test
    @Order(3)
    void aRefusalInARunAndInTheAccessLogNamesTheDecidingRuleAndTheCaller() throws Exception {
        String sleep = "spiffe://cluster.local/ns/default/sa/"
                + mesh.control().pod("sleep").serviceAccount();
        String why = "RBAC: access denied at httpbin's sidecar: no ALLOW policy matched (default deny) (caller " + sleep
                + ")";
        tab("scenarios");
        By scenario = By.cssSelector(".scenario[data-id='user:denied.yaml'] button.run");
        act("run the allow-nothing scenario", d -> d.findElement(scenario).click());
        until(
                "the run to finish",
                d -> java.util.Set.of("passed", "failed", "error")
                        .contains(
                                String.valueOf(d.findElement(By.id("run-view")).getDomAttribute("data-state"))),
                30);
        WebElement run = browser.findElement(By.id("run-view"));
        assertThat(run.getDomAttribute("data-state")).as(run.getText()).isEqualTo("passed");
        assertThat(run.findElement(By.cssSelector("ul.denials li.denial")).getText())
                .isEqualTo(why + " × 3");

        tab("traffic");
        until(
                "the refusal explained under its access-log line",
                d -> d.findElements(By.cssSelector("#access-log tr.denial")).stream()
                        .anyMatch(r -> r.getText().equals("why: " + why)),
                15);
    }

    private static By edge(String source, String target) {
        return By.cssSelector("#topology g.edge[data-source='" + source + "'][data-target='" + target + "']");
    }

    private static void tab(String name) {
        browser.findElement(By.cssSelector("#tabs a[data-tab=" + name + "]")).click();
        until("the " + name + " tab", d -> d.findElement(By.id("tab-" + name)).isDisplayed(), 5);
    }

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

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(ui.url() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
