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
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * rewrite, host rewrites, redirects, CORS and mirrors end to end (issue 17, items 1, 2, 3 and 6): Istio YAML in, a real
 * mesh of sidecars, and echo workloads that answer with the path, query, Host and headers they received.
 */
class VirtualServiceFieldsIT {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalMesh mesh;

    @BeforeAll
    static void up() throws InterruptedException {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(
                        new Scenario.Builtin("sleep"), new Scenario.Echo("shop", 8080, Map.of("v1", one, "v2", one)))),
                LocalOptions.isolated(OptionalLong.of(7)),
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
    void rewriteUriAppliesAfterExactPrefixAndRegexMatchesAndKeepsTheQuery() {
        apply(vs("""
                  - match: [{uri: {exact: /exact}}]
                    rewrite: {uri: /from-exact}
                    route: [{destination: {host: shop, subset: v1}}]
                  - match: [{uri: {prefix: /prefix/}}]
                    rewrite: {uri: /from-prefix/}
                    route: [{destination: {host: shop, subset: v1}}]
                  - match: [{uri: {regex: "/r[0-9]+"}}]
                    rewrite: {uri: /from-regex}
                    route: [{destination: {host: shop, subset: v1}}]
                """));
        assertSeen(get("/exact?a=1", Map.of()), "/from-exact", "a=1");
        assertSeen(get("/prefix/rest/of/it?b=2", Map.of()), "/from-prefix/rest/of/it", "b=2");
        assertSeen(get("/r42?c=3", Map.of()), "/from-regex", "c=3");
    }

    @Test
    void uriRegexRewriteSubstitutesTheGroups() {
        apply(vs("""
                  - match: [{uri: {prefix: /service/}}]
                    rewrite:
                      uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "/customprefix\\\\2/\\\\1"}
                    route: [{destination: {host: shop, subset: v1}}]
                """));
        JsonNode seen = assertSeen(get("/service/update/v1/api?x=1", Map.of()), "/customprefix/v1/api/update", "x=1");
        assertThat(seen.path("headers").path("x-envoy-original-path").asText()).isEqualTo("/service/update/v1/api?x=1");
    }

    @Test
    void hostSetInHeadersRewritesTheHostOnSingleAndWeightedDestinations() {
        apply(vs("""
                  - match: [{uri: {prefix: /single}}]
                    route:
                    - destination: {host: shop, subset: v1}
                      headers:
                        request:
                          set: {Host: single.example}
                  - match: [{uri: {prefix: /both}}]
                    headers:
                      request:
                        set: {":authority": rule.example}
                    route:
                    - destination: {host: shop, subset: v1}
                      headers:
                        request:
                          set: {":authority": dest.example}
                  - match: [{uri: {prefix: /weighted}}]
                    route:
                    - destination: {host: shop, subset: v1}
                      weight: 50
                      headers:
                        request:
                          set: {Host: v1.example}
                    - destination: {host: shop, subset: v2}
                      weight: 50
                      headers:
                        request:
                          set: {":authority": v2.example}
                """));
        assertThat(seen(get("/single", Map.of())).path("host").asText()).isEqualTo("single.example");
        assertThat(seen(get("/both", Map.of())).path("host").asText()).isEqualTo("rule.example");
        Map<String, String> hostByVersion = new HashMap<>();
        for (TrafficDriver.Result r : send("GET", "/weighted", Map.of(), 20)) {
            String version = r.headers().get("x-echo-version");
            String host = seen(r).path("host").asText();
            assertThat(hostByVersion.putIfAbsent(version, host)).isIn(null, host);
        }
        assertThat(hostByVersion).containsEntry("v1", "v1.example").containsEntry("v2", "v2.example");
    }

    @Test
    void redirectsBuildTheLocationAsEnvoyDoes() {
        apply(vs("""
                  - match: [{uri: {prefix: /request-port}}]
                    redirect: {uri: /moved, derivePort: FROM_REQUEST_PORT}
                  - match: [{uri: {prefix: /default-port}}]
                    redirect: {uri: /moved, derivePort: FROM_PROTOCOL_DEFAULT, scheme: https, redirectCode: 302}
                  - match: [{uri: {prefix: /explicit}}]
                    redirect: {authority: other.example, port: 9090, redirectCode: 307}
                  - match: [{uri: {prefix: /v1/}}]
                    redirect: {prefixRewrite: /v2/, redirectCode: 308}
                  - match: [{uri: {exact: /keep}}]
                    redirect: {uri: /kept}
                """));
        TrafficDriver.Result requestPort = get("/request-port", Map.of());
        assertThat(requestPort.status()).isEqualTo(301);
        assertThat(requestPort.headers().get("location")).isEqualTo("http://shop:8080/moved");
        // No port asked for: the request's Host keeps its port unless the scheme changes from its default one.
        TrafficDriver.Result defaultPort = get("/default-port?q=1", Map.of());
        assertThat(defaultPort.status()).isEqualTo(302);
        assertThat(defaultPort.headers().get("location")).isEqualTo("https://shop:8080/moved?q=1");
        TrafficDriver.Result explicit = get("/explicit/a", Map.of());
        assertThat(explicit.status()).isEqualTo(307);
        assertThat(explicit.headers().get("location")).isEqualTo("http://other.example:9090/explicit/a");
        TrafficDriver.Result prefix = get("/v1/items?p=1", Map.of());
        assertThat(prefix.status()).isEqualTo(308);
        assertThat(prefix.headers().get("location")).isEqualTo("http://shop:8080/v2/items?p=1");
        TrafficDriver.Result kept = get("/keep", Map.of("host", "shop.default.svc.cluster.local:8080"));
        assertThat(kept.headers().get("location")).isEqualTo("http://shop.default.svc.cluster.local:8080/kept");
    }

    @Test
    void aGatewayRedirectDerivesItsPortFromTheServerPort() {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: shop-gateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [shop.example.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop-ingress}
                spec:
                  hosts: [shop.example.com]
                  gateways: [shop-gateway]
                  http:
                  - match: [{uri: {prefix: /plain}}]
                    redirect: {uri: /moved, derivePort: FROM_REQUEST_PORT}
                  - match: [{uri: {prefix: /secure}}]
                    redirect: {uri: /moved, derivePort: FROM_REQUEST_PORT, scheme: https}
                  - match: [{uri: {prefix: /keep}}]
                    redirect: {uri: /moved}
                  - match: [{uri: {prefix: /upgrade}}]
                    redirect: {uri: /moved, derivePort: FROM_PROTOCOL_DEFAULT, scheme: https}
                """);
        // Port 80 is http's default, so Istio leaves it out; it stays when the scheme becomes https.
        // The ingress had no listener before this Gateway: its LDS ACK, which apply waits for, follows the bind.
        TrafficDriver.Result plain = ingress("/plain", "shop.example.com");
        assertThat(plain.headers().get("location"))
                .as("%s %s %s", plain.status(), plain.headers(), plain.body())
                .isEqualTo("http://shop.example.com/moved");
        assertThat(ingress("/secure", "shop.example.com").headers().get("location"))
                .isEqualTo("https://shop.example.com:80/moved");
        // A port in the request's Host: kept when nothing changes it, dropped as the old scheme's default on https.
        assertThat(ingress("/keep", "shop.example.com:80").headers().get("location"))
                .isEqualTo("http://shop.example.com:80/moved");
        assertThat(ingress("/upgrade", "shop.example.com:80").headers().get("location"))
                .isEqualTo("https://shop.example.com/moved");
    }

    @Test
    void badFieldsAreRefusedNamingFileResourceAndField() {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("shop.yaml", vs("""
                  - match: [{uri: {exact: /a}}]
                    redirect: {prefixRewrite: /b, port: 8080, derivePort: FROM_REQUEST_PORT}
                """))));
        assertThat(outcome.problems())
                .anySatisfy(
                        p -> assertThat(p).contains("shop.yaml: VirtualService default/shop: spec.http[0].redirect:"))
                .anySatisfy(p ->
                        assertThat(p).contains("spec.http[0].redirect.prefixRewrite: replaces the matched prefix"));
    }

    @Test
    void corsPreflightsAreAnsweredByTheProxyAndActualRequestsGetTheHeaders() {
        apply(vs("""
                  - match: [{uri: {prefix: /ignore}}]
                    corsPolicy:
                      allowOrigins: [{exact: "https://app.example"}]
                      allowMethods: [GET]
                      unmatchedPreflights: IGNORE
                    route: [{destination: {host: shop, subset: v1}}]
                  - corsPolicy:
                      allowOrigins: [{exact: "https://app.example"}, {prefix: "https://dev."}, {regex: ".*\\\\.corp\\\\.example"}]
                      allowMethods: [GET, POST]
                      allowHeaders: [x-token]
                      exposeHeaders: [x-echo-version]
                      maxAge: 24h
                      allowCredentials: true
                    route: [{destination: {host: shop, subset: v1}}]
                """));
        Map<String, String> preflight = Map.of("origin", "https://dev.shop", "access-control-request-method", "POST");
        TrafficDriver.Result answered = send("OPTIONS", "/cart", preflight, 1).get(0);
        assertThat(answered.status()).isEqualTo(200);
        assertThat(answered.headers())
                .doesNotContainKey("x-echo-pod")
                .containsEntry("access-control-allow-origin", "https://dev.shop")
                .containsEntry("access-control-allow-methods", "GET,POST")
                .containsEntry("access-control-allow-headers", "x-token")
                .containsEntry("access-control-max-age", "86400")
                .containsEntry("access-control-allow-credentials", "true");
        TrafficDriver.Result actual = get("/cart", Map.of("origin", "https://a.corp.example"));
        assertThat(actual.headers())
                .containsKey("x-echo-pod")
                .containsEntry("access-control-allow-origin", "https://a.corp.example")
                .containsEntry("access-control-expose-headers", "x-echo-version");
        assertThat(get("/cart", Map.of("origin", "https://app.example")).headers())
                .containsEntry("access-control-allow-origin", "https://app.example");
        TrafficDriver.Result stranger = get("/cart", Map.of("origin", "https://evil.example"));
        assertThat(stranger.headers().keySet()).noneMatch(h -> h.startsWith("access-control-"));
        // A preflight from an origin that is not allowed goes upstream by default ...
        Map<String, String> foreign = Map.of("origin", "https://evil.example", "access-control-request-method", "GET");
        assertThat(send("OPTIONS", "/cart", foreign, 1).get(0).headers()).containsKey("x-echo-pod");
        // ... and is answered by the proxy, without CORS headers, with unmatchedPreflights: IGNORE.
        TrafficDriver.Result ignored = send("OPTIONS", "/ignore", foreign, 1).get(0);
        assertThat(ignored.status()).isEqualTo(200);
        // As Envoy's cors_filter.cc: the policy's other headers come, but no Access-Control-Allow-Origin.
        assertThat(ignored.headers()).doesNotContainKey("x-echo-pod").doesNotContainKey("access-control-allow-origin");
    }

    @Test
    void mirrorsSendACopyToEachMirrorWithTheShadowHost() {
        apply(vs("""
                  - mirrors:
                    - destination: {host: shop, subset: v2}
                      percentage: {value: 100}
                    - destination: {host: shop, subset: v1}
                    route: [{destination: {host: shop, subset: v1}}]
                """));
        TrafficDriver.Result r = get("/mirrored", Map.of());
        assertThat(r.headers().get("x-echo-version")).isEqualTo("v1");
        List<String> expected = List.of("v1 shop-shadow:8080", "v1 shop:8080", "v2 shop-shadow:8080");
        assertThat(Await.until(Duration.ofSeconds(5), () -> inbound(r).equals(expected)))
                .as("inbound copies of %s: %s", r.requestId(), inbound(r))
                .isTrue();
    }

    /** The versions and authorities the shop pods logged for one request, sorted. */
    private static List<String> inbound(TrafficDriver.Result r) {
        return mesh.accessLog().stream()
                .filter(e -> "inbound".equals(e.direction()) && e.requestId().equals(r.requestId()))
                .map(e -> e.podLabels().get("version") + " " + e.authority())
                .sorted()
                .toList();
    }

    /** Polls a condition until it holds or time runs out. */
    private static final class Await {
        static boolean until(Duration limit, java.util.function.BooleanSupplier condition) {
            long end = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < end) {
                if (condition.getAsBoolean()) {
                    return true;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return condition.getAsBoolean();
        }
    }

    private static JsonNode assertSeen(TrafficDriver.Result r, String path, String query) {
        JsonNode seen = seen(r);
        assertThat(seen.path("path").asText()).as("path the echo saw").isEqualTo(path);
        assertThat(seen.path("query").asText()).as("query the echo saw").isEqualTo(query);
        return seen;
    }

    /** The request as the echo workload received it. */
    private static JsonNode seen(TrafficDriver.Result r) {
        assertThat(r.status()).as("status of %s: %s", r.requestId(), r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body()).path("request");
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

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

    private static TrafficDriver.Result ingress(String path, String host) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(
                                    "ingress", "GET", "http://shop.example.com" + path, Map.of("host", host), 1, 1),
                            "vsf" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static TrafficDriver.Result get(String path, Map<String, String> headers) {
        return send("GET", path, headers, 1).get(0);
    }

    private static List<TrafficDriver.Result> send(String method, String path, Map<String, String> headers, int n) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", method, "http://shop:8080" + path, headers, n, 1),
                            "vsf" + RUNS.incrementAndGet(),
                            x -> {});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
