package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VirtualService and DestinationRule fields end to end: Istio YAML in, requests through real sidecars, and echo
 * workloads that report the request they received. Each test names the fields it covers.
 */
class TrafficManagementIT {

    private static final long SEED = 7;
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalMesh mesh;

    @BeforeAll
    static void up() throws InterruptedException {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(
                        new Scenario.Builtin("sleep"),
                        new Scenario.Builtin("fortio"),
                        new Scenario.Echo("shop", 8080, Map.of("v1", one, "v2", one)),
                        new Scenario.Echo(
                                "cart", 8080, Map.of("v1", new Scenario.EchoVersion(3, Duration.ZERO, 0, 503, 0))),
                        new Scenario.Echo(
                                "slow",
                                8080,
                                Map.of("v1", new Scenario.EchoVersion(1, Duration.ofMillis(800), 0, 503, 0))))),
                // Seeded: a weighted choice then depends only on the seed and the request id (exact replay).
                LocalOptions.isolated(OptionalLong.of(SEED)),
                new PrintStream(OutputStream.nullOutputStream()));
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
        apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: shop}
                spec:
                  host: shop
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """);
    }

    @Test
    void uriExactPrefixRegexAndIgnoreUriCaseMatchInOrder() {
        apply(vs("""
                  - match:
                    - uri: {exact: /only}
                    - uri: {prefix: /beta/}
                    - uri: {regex: "/r[0-9]+"}
                    - uri: {exact: /case}
                      ignoreUriCase: true
                    route:
                    - destination: {host: shop, subset: v2}
                  - route:
                    - destination: {host: shop, subset: v1}
                """));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("/only", "v2");
        expected.put("/only/not", "v1");
        expected.put("/beta/x", "v2");
        expected.put("/r42", "v2");
        expected.put("/r42x", "v1");
        expected.put("/CASE", "v2");
        expected.put("/other", "v1");
        expected.forEach((path, version) -> assertThat(version(get("sleep", "http://shop:8080" + path, Map.of())))
                .as("GET %s", path)
                .isEqualTo(version));
    }

    @Test
    void headersWithoutHeadersQueryParamsMethodAndAuthorityMatch() {
        apply(vs("""
                  - match:
                    - headers: {end-user: {exact: jason}}
                    - headers: {x-canary: {prefix: "yes"}}
                    - queryParams: {canary: {exact: "true"}}
                    - method: {exact: POST}
                    - authority: {exact: "shop.default.svc.cluster.local:8080"}
                    route:
                    - destination: {host: shop, subset: v2}
                  - match:
                    - uri: {prefix: /w}
                      withoutHeaders: {x-stable: {exact: "1"}}
                    route:
                    - destination: {host: shop, subset: v2}
                  - route:
                    - destination: {host: shop, subset: v1}
                """));
        assertThat(version(get("sleep", "http://shop:8080/", Map.of("end-user", "jason"))))
                .isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop:8080/", Map.of("end-user", "jasonx"))))
                .isEqualTo("v1");
        assertThat(version(get("sleep", "http://shop:8080/", Map.of("x-canary", "yes-please"))))
                .isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop:8080/p?canary=true", Map.of())))
                .isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop:8080/p?canary=false", Map.of())))
                .isEqualTo("v1");
        assertThat(version(send("sleep", "POST", "http://shop:8080/", Map.of())))
                .isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop.default.svc.cluster.local:8080/", Map.of())))
                .isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop:8080/w", Map.of()))).isEqualTo("v2");
        assertThat(version(get("sleep", "http://shop:8080/w", Map.of("x-stable", "1"))))
                .isEqualTo("v1");
    }

    @Test
    void sourceLabelsRouteOnlyTheMatchingCaller() {
        apply(vs("""
                  - match:
                    - sourceLabels: {app: sleep}
                    route:
                    - destination: {host: shop, subset: v2}
                  - route:
                    - destination: {host: shop, subset: v1}
                """));
        assertThat(version(get("sleep", "http://shop:8080/", Map.of()))).isEqualTo("v2");
        assertThat(version(get("fortio", "http://shop:8080/", Map.of()))).isEqualTo("v1");
    }

    @Test
    void requestAndResponseHeaderOperationsApply() {
        apply(vs("""
                  - headers:
                      request:
                        set: {x-set: one}
                        add: {x-added: two}
                        remove: [x-gone]
                      response:
                        set: {x-resp: three}
                        remove: [x-echo-pod]
                    route:
                    - destination: {host: shop, subset: v1}
                """));
        TrafficDriver.Result r = get("sleep", "http://shop:8080/", Map.of("x-gone", "bye", "x-set", "old"));
        JsonNode seen = JSON_READ.apply(r.body()).path("request").path("headers");
        assertThat(seen.path("x-set").asText()).isEqualTo("one");
        assertThat(seen.path("x-added").asText()).isEqualTo("two");
        assertThat(seen.has("x-gone")).isFalse();
        assertThat(seen.path("x-envoy-attempt-count").asText()).isEqualTo("1");
        assertThat(r.headers())
                .containsEntry("x-resp", "three")
                .doesNotContainKey("x-echo-pod")
                .containsEntry("server", "envoy")
                .containsKey("x-envoy-upstream-service-time");
    }

    @Test
    void rewriteRedirectAndDirectResponse() {
        apply(vs("""
                  - match:
                    - uri: {prefix: /old}
                    rewrite: {uri: /new, authority: shop-rewritten}
                    route:
                    - destination: {host: shop, subset: v1}
                  - match:
                    - uri: {exact: /go}
                    redirect: {uri: /gone, authority: elsewhere.example.com}
                  - match:
                    - uri: {exact: /fixed}
                    directResponse: {status: 418, body: {string: teapot}}
                  - route:
                    - destination: {host: shop, subset: v1}
                """));
        JsonNode request = JSON_READ
                .apply(get("sleep", "http://shop:8080/old/page", Map.of()).body())
                .path("request");
        assertThat(request.path("path").asText()).isEqualTo("/new/page");
        assertThat(request.path("host").asText()).isEqualTo("shop-rewritten");
        TrafficDriver.Result redirect = get("sleep", "http://shop:8080/go", Map.of());
        assertThat(redirect.status()).isEqualTo(301);
        assertThat(redirect.headers().get("location")).isEqualTo("http://elsewhere.example.com/gone");
        TrafficDriver.Result fixed = get("sleep", "http://shop:8080/fixed", Map.of());
        assertThat(fixed.status()).isEqualTo(418);
        assertThat(fixed.body()).isEqualTo("teapot");
    }

    @Test
    void routeTimeoutAndPerRequestTimeoutHeaderAnswer504UT() {
        TrafficDriver.Result slow = get("sleep", "http://slow:8080/", Map.of());
        assertThat(slow.status()).isEqualTo(200);
        TrafficDriver.Result header =
                get("sleep", "http://slow:8080/", Map.of("x-envoy-upstream-rq-timeout-ms", "200"));
        assertThat(header.status()).isEqualTo(504);
        assertThat(header.body()).isEqualTo("upstream request timeout");
        assertThat(header.nanos() / 1e9).isLessThan(0.7);
        apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: slow}
                spec:
                  hosts: [slow]
                  http:
                  - timeout: 0.3s
                    route:
                    - destination: {host: slow}
                """);
        TrafficDriver.Result route = get("sleep", "http://slow:8080/", Map.of());
        assertThat(route.status()).isEqualTo(504);
        assertThat(flags(route)).contains("UT");
    }

    @Test
    void weightsNeedNotAddUpToOneHundred() {
        apply(vs("""
                  - route:
                    - destination: {host: shop, subset: v1}
                      weight: 1
                    - destination: {host: shop, subset: v2}
                      weight: 3
                """));
        // The same request ids on a seeded mesh whatever ran before: every run sees the same 400 choices. The bound is
        // 4 sigma (sqrt(0.75 * 0.25 / 400) = 0.022), so that another seed or draw order would still pass.
        List<TrafficDriver.Result> results = send("sleep", "GET", "http://shop:8080/", Map.of(), 400, 4, "weights");
        long v2 = results.stream().filter(r -> "v2".equals(version(r))).count();
        assertThat(v2 / 400.0).isCloseTo(0.75, org.assertj.core.data.Offset.offset(0.09));
    }

    @Test
    void roundRobinVisitsEveryPodInTurnAndConsistentHashPinsAUser() {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: cart}
                spec:
                  host: cart
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                """);
        Map<String, Long> pods = send("sleep", "GET", "http://cart:8080/", Map.of(), 30, 1).stream()
                .collect(Collectors.groupingBy(r -> r.headers().get("x-echo-pod"), Collectors.counting()));
        assertThat(pods).hasSize(3).allSatisfy((pod, n) -> assertThat(n).isEqualTo(10L));
        apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: cart}
                spec:
                  host: cart
                  trafficPolicy:
                    loadBalancer:
                      consistentHash: {httpHeaderName: x-user}
                """);
        for (String user : List.of("ann", "bob", "cy")) {
            assertThat(send("sleep", "GET", "http://cart:8080/", Map.of("x-user", user), 15, 3).stream()
                            .map(r -> r.headers().get("x-echo-pod"))
                            .distinct())
                    .as("pods serving %s", user)
                    .hasSize(1);
        }
    }

    @Test
    void prometheusReportsIstioStandardMetricsWithLabels() throws Exception {
        get("sleep", "http://shop:8080/", Map.of());
        LocalMesh.RunningPod sleep = mesh.pod("sleep");
        String text = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://" + sleep.pod().ip() + ":15090/stats/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(text.lines().filter(l -> l.startsWith("istio_requests_total{")))
                .anySatisfy(l -> assertThat(l)
                        .contains(
                                "reporter=\"source\"",
                                "source_workload=\"sleep\"",
                                "source_app=\"sleep\"",
                                "destination_service=\"shop.default.svc.cluster.local\"",
                                "destination_app=\"shop\"",
                                "response_code=\"200\""));
        assertThat(text).contains("istio_request_duration_milliseconds_bucket{");
        LocalMesh.RunningPod shop = mesh.pod("shop");
        String server = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + shop.pod().ip() + ":15090/stats/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(server.lines()
                        .filter(l -> l.startsWith("istio_requests_total{") && l.contains("reporter=\"destination\"")))
                .anySatisfy(l -> assertThat(l)
                        .contains(
                                "source_workload=\"sleep\"",
                                "source_app=\"sleep\"",
                                "destination_app=\"shop\"",
                                "destination_workload=\"shop-v",
                                // Auto mTLS between sidecars, as in Istio: the server side reports it.
                                "source_principal=\"spiffe://cluster.local/ns/default/sa/sleep\"",
                                "connection_security_policy=\"mutual_tls\""));
    }

    private static final Function<String, JsonNode> JSON_READ = body -> {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    };

    private static String vs(String rules) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: [shop]
                  http:
                """ + rules;
    }

    private static void apply(String yaml) {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("test.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    private static String version(TrafficDriver.Result r) {
        assertThat(r.status()).as("status of %s: %s", r.requestId(), r.body()).isEqualTo(200);
        return r.headers().get("x-echo-version");
    }

    private static String flags(TrafficDriver.Result r) {
        return mesh.accessLog().stream()
                .filter(e -> e.requestId().equals(r.requestId()) && e.pod().startsWith("sleep"))
                .map(MeshAccess.LogEntry::responseFlags)
                .findFirst()
                .orElse("");
    }

    private static TrafficDriver.Result get(String from, String url, Map<String, String> headers) {
        return send(from, "GET", url, headers);
    }

    private static TrafficDriver.Result send(String from, String method, String url, Map<String, String> headers) {
        return send(from, method, url, headers, 1, 1).get(0);
    }

    private static List<TrafficDriver.Result> send(
            String from, String method, String url, Map<String, String> headers, int count, int concurrency) {
        return send(from, method, url, headers, count, concurrency, "tm" + RUNS.incrementAndGet());
    }

    private static List<TrafficDriver.Result> send(
            String from,
            String method,
            String url,
            Map<String, String> headers,
            int count,
            int concurrency,
            String runId) {
        try {
            return new TrafficDriver(mesh)
                    .send(new Scenario.Traffic(from, method, url, headers, count, concurrency), runId, n -> {});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
