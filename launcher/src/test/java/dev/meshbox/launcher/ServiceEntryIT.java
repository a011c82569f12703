package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's egress-control task on a loopback mesh in REGISTRY_ONLY mode (the mesh config's outboundTrafficPolicy). A
 * loopback server the test runs stands in for httpbin.org outside the mesh (no sidecar, no registry entry); the
 * ServiceEntry {@code httpbin-ext} makes it reachable from sleep, a host nobody declared gets Istio's 502 from
 * {@code block_all}, and a VirtualService's 3 s timeout on the entry's host turns {@code /delay/5} into a 504.
 */
class ServiceEntryIT {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static LocalMesh mesh;
    private static HttpServer outside;

    @BeforeAll
    static void up() throws Exception {
        outside = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        outside.setExecutor(Executors.newCachedThreadPool());
        outside.createContext("/headers", ex -> {
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
            String json = headers.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\": \"" + e.getValue().replace("\"", "\\\"") + "\"")
                    .collect(Collectors.joining(", ", "{\"headers\": {", "}}"));
            reply(ex, 200, json);
        });
        outside.createContext("/delay/", ex -> {
            long seconds = Long.parseLong(ex.getRequestURI().getPath().substring("/delay/".length()));
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200, "{}");
        });
        outside.start();
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"))),
                LocalOptions.isolated(OptionalLong.of(5))
                        .withSecurity(MeshConfigFile.read("mesh.yaml", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n")
                                .applyTo(SecurityOptions.DEFAULTS)),
                new PrintStream(OutputStream.nullOutputStream()));
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText(
                "httpbin-ext.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: httpbin-ext}
                spec:
                  hosts: [httpbin.org]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                  location: MESH_EXTERNAL
                  endpoints:
                  - address: 127.0.0.1
                    ports: {http: %d}
                """.formatted(outside.getAddress().getPort()))));
        assertThat(applied.problems()).isEmpty();
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (outside != null) {
            outside.stop(0);
        }
    }

    @Test
    void theServiceEntrysHostIsReachedOutsideTheMeshThroughItsCluster() {
        TrafficDriver.Result r = get("http://httpbin.org/headers");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"Host\": \"httpbin.org\"");
        assertThat(entry(r).upstreamCluster()).isEqualTo("outbound|80||httpbin.org");
    }

    @Test
    void anUndeclaredHostIsRefusedWithIstios502FromBlockAll() throws Exception {
        TrafficDriver.Result r = get("http://edition.cnn.com/politics");

        assertThat(r.status()).as(r.body()).isEqualTo(502);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().entrySet())
                .anySatisfy(h -> assertThat(h.getKey() + ": " + h.getValue()).isEqualToIgnoringCase("server: envoy"));
        MeshAccess.LogEntry e = entry(r);
        assertThat(e.routeName()).isEqualTo("block_all");
        assertThat(e.responseFlags()).isEqualTo("-");
        String metrics = http(mesh.pod("sleep").proxy().prometheusAddress(), "/stats/prometheus");
        assertThat(metrics).contains("destination_service_name=\"BlackHoleCluster\"");
    }

    @Test
    void aVirtualServiceTimeoutOnTheEntrysHostGives504AfterThreeSeconds() {
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText("httpbin-ext-vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: httpbin-ext}
                spec:
                  hosts: [httpbin.org]
                  http:
                  - timeout: 3s
                    route:
                    - destination: {host: httpbin.org}
                """)));
        assertThat(applied.problems()).isEmpty();
        try {
            TrafficDriver.Result r = get("http://httpbin.org/delay/5");

            assertThat(r.status()).as(r.body()).isEqualTo(504);
            assertThat(r.nanos() / 1_000_000).isBetween(2_900L, 4_500L);
            assertThat(entry(r).responseFlags()).isEqualTo("UT");
        } finally {
            mesh.apply(List.of(new MeshAccess.ConfigText("httpbin-ext-vs.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: httpbin-ext}
                    spec:
                      hosts: [httpbin.org]
                      http:
                      - route:
                        - destination: {host: httpbin.org}
                    """)));
        }
    }

    private static MeshAccess.LogEntry entry(TrafficDriver.Result r) {
        return mesh.accessLog().stream()
                .filter(e ->
                        e.requestId().equals(r.requestId()) && e.direction().equals("outbound"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no outbound access-log entry for " + r.requestId()));
    }

    private static TrafficDriver.Result get(String url) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", "GET", url, Map.of(), 1, 1),
                            "egress" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("content-type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static String http(InetSocketAddress address, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://" + address.getHostString() + ":" + address.getPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
