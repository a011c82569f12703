package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.admin.AdminServer;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status Istio writes on Gateway API resources, read where a MeshBox user reads it: the admin API's
 * {@code /config} ({@code meshbox} CLI, scripts) and the web UI's config view.
 */
class GatewayApiStatusIT {

    private static final List<Scenario.Workload> WORKLOADS = List.of(new Scenario.Builtin("bookinfo"));
    private static final String CONFIG = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: bookinfo-gateway
            spec:
              gatewayClassName: istio
              listeners:
              - {name: http, port: 80, protocol: HTTP}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: bookinfo
            spec:
              parentRefs:
              - name: bookinfo-gateway
              rules:
              - backendRefs:
                - {name: productpage, port: 9080}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: broken
            spec:
              parentRefs:
              - name: bookinfo-gateway
                sectionName: https
              - group: ""
                kind: Service
                name: reviews
              rules:
              - backendRefs:
                - {name: reviews-v9, port: 9080}
            """;

    private static LocalMesh mesh;
    private static AdminServer admin;
    private static WebUi ui;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void up() throws InterruptedException {
        mesh = LocalMesh.start(
                MeshSpec.of(WORKLOADS),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        admin = new AdminServer(mesh.control(), "127.0.0.1", 0);
        ui = WebUi.start(new MeshUi(mesh.control(), WORKLOADS), WebUi.Options.loopback(0, Optional.empty()));
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText("gateway-api.yaml", CONFIG)));
        assertThat(applied.problems()).isEmpty();
    }

    @AfterAll
    static void down() {
        if (ui != null) {
            ui.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r =
                HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode entry(JsonNode list, String kind, String name) {
        for (JsonNode e : list) {
            if (e.path("kind").asText().equals(kind) && e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no " + kind + " " + name + " in " + list);
    }

    private static List<String> conditions(JsonNode node) {
        return JSON.convertValue(node, List.class).stream()
                .map(o -> {
                    JsonNode c = JSON.valueToTree(o);
                    return c.path("type").asText() + "=" + c.path("status").asText() + " ("
                            + c.path("reason").asText() + ")";
                })
                .toList();
    }

    @Test
    void theAdminApiShowsEachRoutesConditionsPerParentAndTheGatewaysOwn() throws Exception {
        JsonNode config = get("http://127.0.0.1:" + admin.port() + "/config");

        JsonNode gateway = entry(config, "Gateway.gateway.networking.k8s.io", "bookinfo-gateway");
        assertThat(conditions(gateway.path("status").path("conditions")))
                .containsExactly("Accepted=True (Accepted)", "Programmed=True (Programmed)");

        JsonNode ok = entry(config, "HTTPRoute", "bookinfo").path("status").path("parents");
        assertThat(ok).hasSize(1);
        assertThat(ok.get(0).path("parentRef").asText()).isEqualTo("Gateway default/bookinfo-gateway");
        assertThat(conditions(ok.get(0).path("conditions")))
                .containsExactly("Accepted=True (Accepted)", "ResolvedRefs=True (ResolvedRefs)");

        JsonNode broken = entry(config, "HTTPRoute", "broken").path("status").path("parents");
        assertThat(conditions(broken.get(0).path("conditions"))).containsExactly("Accepted=False (NoMatchingParent)");
        assertThat(broken.get(0).path("conditions").get(0).path("message").asText())
                .isEqualTo("sectionName \"https\" not found");
        assertThat(conditions(broken.get(1).path("conditions")))
                .containsExactly("Accepted=True (Accepted)", "ResolvedRefs=False (BackendNotFound)");
        // The Istio kinds carry no status.
        assertThat(entry(config, "Gateway", "bookinfo-gateway").has("status")).isFalse();
    }

    @Test
    void theWebUisConfigViewShowsTheConditions() throws Exception {
        JsonNode resources = get(ui.url() + "/api/config").path("resources");
        JsonNode broken = entry(resources, "HTTPRoute", "broken");
        assertThat(broken.path("status").toString()).contains("BackendNotFound", "NoMatchingParent");

        Chromium.Found chromium = Chromium.find();
        Assumptions.assumeTrue(chromium.available(), chromium.missing());
        ChromeDriver browser = Chromium.start(chromium);
        try {
            browser.get(ui.url() + "/");
            browser.findElement(By.cssSelector("#tabs a[data-tab=config]")).click();
            String row = "#resources tr.resource[data-kind=HTTPRoute][data-name=broken]";
            String text = new WebDriverWait(browser, Duration.ofSeconds(15), Duration.ofMillis(200))
                    .ignoring(org.openqa.selenium.NoSuchElementException.class)
                    .until(d -> {
                        String t = d.findElement(By.cssSelector(row)).getText();
                        return t.contains("ResolvedRefs") ? t : null;
                    });
            assertThat(text).contains("Accepted=False (NoMatchingParent)", "ResolvedRefs=False (BackendNotFound)");
            assertThat(browser.findElements(By.cssSelector(row + " .badge.condition.failing")))
                    .hasSize(2);
        } finally {
            browser.quit();
        }
    }
}
