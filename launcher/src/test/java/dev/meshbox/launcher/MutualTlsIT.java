package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Auto mTLS end to end (issue 18, items 1 and 2): a real loopback mesh whose control plane issues SPIFFE certificates
 * over SDS. sleep to shop goes over mutual TLS (the XFCC the echo app received, the inbound metrics and access log say
 * so); a pod without a sidecar is still reached in plaintext; certificates with a short lifetime rotate while requests
 * keep succeeding.
 */
class MutualTlsIT {

    private static final Duration TTL = Duration.ofSeconds(8);
    /** Istio's sleep sample runs as service account sleep; the shop echo names none, so default. */
    private static final String SLEEP_ID = "spiffe://cluster.local/ns/default/sa/sleep";

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalMesh mesh;
    private static HttpServer legacy;

    @BeforeAll
    static void up() throws Exception {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Echo("shop", 8080, Map.of("v1", one)))),
                LocalOptions.isolated(OptionalLong.of(5))
                        .withSecurity(
                                SecurityOptions.DEFAULTS.withAutoMtls(true).withWorkloadCertTtl(TTL)),
                new PrintStream(OutputStream.nullOutputStream()));
        // A workload without a sidecar (Istio's "legacy" namespace): a plain HTTP server that says what it received.
        legacy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        legacy.createContext("/", exchange -> {
            String xfcc = exchange.getRequestHeaders().getFirst("x-forwarded-client-cert");
            byte[] body = ("xfcc=" + (xfcc == null ? "none" : xfcc)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        legacy.start();
        int port = legacy.getAddress().getPort();
        mesh.controlPlane()
                .registry()
                .putService(
                        new MeshService("legacy", "default", List.of(ServicePort.http(port)), Map.of("app", "legacy")));
        mesh.controlPlane()
                .registry()
                .putPod(new Pod(
                        "legacy-1",
                        "default",
                        "127.0.0.1",
                        "127.0.0.1",
                        Map.of("app", "legacy"),
                        Pod.ProxyKind.NONE,
                        true));
        mesh.awaitConverged();
    }

    @AfterAll
    static void down() {
        if (legacy != null) {
            legacy.stop(0);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void sleepToShopIsMutualTlsAndTheAppSeesTheCallersSpiffeIdInXfcc() throws Exception {
        TrafficDriver.Result r = get("sleep", "http://shop:8080/headers");

        String xfcc = seen(r).path("headers").path("x-forwarded-client-cert").asText();
        assertThat(xfcc)
                .matches("By=spiffe://cluster\\.local/ns/default/sa/default;Hash=[0-9a-f]{64};Subject=\"\";URI="
                        + SLEEP_ID.replace(".", "\\."));
        String metrics = http(mesh.pod("shop").proxy().prometheusAddress(), "/stats/prometheus");
        assertThat(metrics)
                .contains("reporter=\"destination\"")
                .contains("source_principal=\"" + SLEEP_ID + "\"")
                .contains("connection_security_policy=\"mutual_tls\"");
        JsonNode log = JSON.readTree(mesh.adminGet(mesh.pod("shop"), "/access_log?format=json"));
        boolean logged = false;
        for (JsonNode e : log) {
            if (r.requestId().equals(e.path("request_id").asText())
                    && "inbound".equals(e.path("direction").asText())) {
                assertThat(e.path("downstream_peer_uri_san").asText()).isEqualTo(SLEEP_ID);
                logged = true;
            }
        }
        assertThat(logged).as("inbound access log entry of %s", r.requestId()).isTrue();
    }

    @Test
    void aPodWithoutASidecarIsReachedInPlaintext() {
        TrafficDriver.Result r =
                get("sleep", "http://legacy:" + legacy.getAddress().getPort() + "/");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("xfcc=none");
    }

    @Test
    void certificatesRotateAtHalfLifeWhileRequestsKeepSucceeding() throws Exception {
        Set<BigInteger> serials = new HashSet<>();
        long end = System.nanoTime() + TTL.plusSeconds(2).toNanos();
        int ok = 0;
        int sent = 0;
        while (System.nanoTime() < end) {
            serials.add(serial(mesh.pod("sleep")
                    .proxy()
                    .workloadTls()
                    .secrets()
                    .get("default")
                    .certificateChainPem()));
            TrafficDriver.Result r = get("sleep", "http://shop:8080/headers");
            sent++;
            if (r.status() == 200) {
                ok++;
            }
            Thread.sleep(250);
        }
        assertThat(ok).as("requests answered 200 across rotations").isEqualTo(sent);
        assertThat(serials)
                .as("serials of sleep's certificate over %s", TTL.plusSeconds(2))
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void destinationRuleIstioMutualTowardAPodWithoutSidecarFailsAndDisableSendsPlaintext() {
        try {
            apply("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: legacy}
                    spec:
                      host: legacy
                      trafficPolicy:
                        tls: {mode: ISTIO_MUTUAL}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: shop}
                    spec:
                      host: shop
                      trafficPolicy:
                        tls: {mode: DISABLE}
                    """);

            TrafficDriver.Result legacyCall =
                    get("sleep", "http://legacy:" + legacy.getAddress().getPort() + "/");
            assertThat(legacyCall.status()).as(legacyCall.body()).isEqualTo(503);
            JsonNode seen = seen(get("sleep", "http://shop:8080/headers"));
            assertThat(seen.path("headers").has("x-forwarded-client-cert")).isFalse();
        } finally {
            mesh.resetConfig();
        }
    }

    @Test
    void authorizationPoliciesMatchTheCallersPrincipalFromItsCertificate() {
        try {
            apply("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: shop-from-sleep-sa}
                    spec:
                      selector: {matchLabels: {app: shop}}
                      action: ALLOW
                      rules:
                      - from:
                        - source: {principals: [cluster.local/ns/default/sa/sleep]}
                    """);
            assertThat(get("sleep", "http://shop:8080/headers").status()).isEqualTo(200);

            apply("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: shop-from-sleep-sa}
                    spec:
                      selector: {matchLabels: {app: shop}}
                      action: ALLOW
                      rules:
                      - from:
                        - source: {principals: [cluster.local/ns/default/sa/someone-else]}
                    """);
            TrafficDriver.Result denied = get("sleep", "http://shop:8080/headers");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");
        } finally {
            mesh.resetConfig();
        }
    }

    private static void apply(String yaml) {
        var outcome = mesh.apply(List.of(new dev.meshbox.scenarios.MeshAccess.ConfigText("dr.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    private static BigInteger serial(String pem) throws Exception {
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        return c.getSerialNumber();
    }

    private static String http(InetSocketAddress address, String path) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        return client.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://" + address.getHostString() + ":" + address.getPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static JsonNode seen(TrafficDriver.Result r) {
        assertThat(r.status()).as("status of %s: %s", r.requestId(), r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body()).path("request");
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static TrafficDriver.Result get(String from, String url) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(from, "GET", url, Map.of(), 1, 1),
                            "mtls" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
