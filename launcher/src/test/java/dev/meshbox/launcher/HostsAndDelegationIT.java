package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VirtualService hosts outside the registry and delegation, end to end: Istio YAML in, requests through a real
 * sidecar or the ingress gateway on loopback, echo workloads telling which version and pod served each request.
 */
class HostsAndDelegationIT {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static LocalMesh mesh;

    @BeforeAll
    static void up() throws InterruptedException {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(
                        new Scenario.Builtin("sleep"),
                        new Scenario.Echo("shop", 8080, Map.of("v1", one, "v2", one)),
                        new Scenario.Echo("cart", 8080, Map.of("v1", one)))),
                LocalOptions.isolated(OptionalLong.of(11)),
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
    void aHostOutsideTheRegistryIsRoutedToItsDestinationsOnPort80() {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example}
                spec:
                  hosts: [www.example.com]
                  http:
                  - match:
                    - uri: {prefix: /cart}
                    route:
                    - destination: {host: cart}
                  - route:
                    - destination: {host: shop, subset: v2}
                """);
        TrafficDriver.Result shop = get("sleep", "http://www.example.com/");
        assertThat(shop.status()).as("not 503 UH: %s", shop.body()).isEqualTo(200);
        assertThat(shop.headers().get("x-echo-version")).isEqualTo("v2");
        assertThat(shop.headers().get("x-echo-pod")).startsWith("shop-v2");
        TrafficDriver.Result cart = get("sleep", "http://www.example.com/cart/items");
        assertThat(cart.status()).isEqualTo(200);
        assertThat(cart.headers().get("x-echo-pod")).startsWith("cart");
        assertThat(mesh.controlPlane().warnings()).noneMatch(w -> w.contains("example"));
    }

    @Test
    void aGatewayRoutesAHostOutsideTheRegistryBoundToItAndWarnsOfHostsItDoesNotExpose() {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: example-gateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [www.example.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example}
                spec:
                  hosts: [www.example.com, api.example.com]
                  gateways: [example-gateway]
                  http:
                  - route:
                    - destination: {host: shop, subset: v1}
                """);
        TrafficDriver.Result r = get("ingress", "http://www.example.com/");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().get("x-echo-version")).isEqualTo("v1");
        TrafficDriver.Result byHost =
                send(new Scenario.Traffic("ingress", "GET", "/items", Map.of(), 1, 1).withHost("www.example.com"));
        assertThat(version(byHost)).as("a scenario's host apart from its URL").isEqualTo("v1");
        assertThat(get("ingress", "http://api.example.com/").status())
                .as("a host the Gateway does not expose")
                .isEqualTo(404);
        assertThat(mesh.controlPlane().warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("one or more host [api.example.com] defined in VirtualService default/example not"
                                + " found in Gateway default/example-gateway.")
                        .contains("IST0132"));
    }

    private static final String ROOT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop}
            spec:
              hosts: [shop]
              http:
              - match:
                - uri: {prefix: /a}
                delegate: {name: shop-a}
              - route:
                - destination: {host: shop, subset: v1}
            """;

    private static final String DELEGATE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop-a}
            spec:
              http:
              - match:
                - uri: {prefix: /a/v2}
                route:
                - destination: {host: shop, subset: v2}
              - headers:
                  response:
                    set: {x-delegated: "yes"}
                route:
                - destination: {host: shop, subset: v1}
            """;

    @Test
    void aRootDelegatesItsPrefixToTheDelegatesRules() {
        apply(ROOT + "---\n" + DELEGATE);
        assertThat(version(get("sleep", "http://shop:8080/a/v2/x"))).isEqualTo("v2");
        TrafficDriver.Result rest = get("sleep", "http://shop:8080/a/other");
        assertThat(version(rest)).isEqualTo("v1");
        assertThat(rest.headers()).containsEntry("x-delegated", "yes");
        TrafficDriver.Result outside = get("sleep", "http://shop:8080/b/v2");
        assertThat(version(outside)).isEqualTo("v1");
        assertThat(outside.headers()).doesNotContainKey("x-delegated");
    }

    @Test
    void aMissingDelegateDropsItsRuleSoRequestsFallThroughAndItIsWarnedOf() {
        apply(ROOT.replace("subset: v1", "subset: v2"));
        for (String path : List.of("/a/v2/x", "/a/other", "/b")) {
            assertThat(version(get("sleep", "http://shop:8080" + path)))
                    .as(path)
                    .isEqualTo("v2");
        }
        assertThat(mesh.controlPlane().warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("VirtualService default/shop: spec.http[0].delegate: Referenced delegate"
                                + " VirtualService not found: \"default/shop-a\" (IST0101)"));
        apply(DELEGATE);
        assertThat(version(get("sleep", "http://shop:8080/a/v2/x")))
                .as("the delegate, once applied")
                .isEqualTo("v2");
        assertThat(get("sleep", "http://shop:8080/a/other").headers()).containsEntry("x-delegated", "yes");
    }

    @Test
    void invalidDelegationIsRefusedNamingFileResourceAndField() {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: [shop]
                  http:
                  - delegate: {name: shop-a}
                    route:
                    - destination: {host: shop, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop-a}
                spec:
                  gateways: [example-gateway]
                  http:
                  - route:
                    - destination: {host: shop, subset: v2}
                """)));
        assertThat(outcome.problems())
                .anySatisfy(p -> assertThat(p)
                        .startsWith("bad.yaml: VirtualService default/shop: spec.http[0].route: root HTTP route must"
                                + " not specify route"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("bad.yaml: VirtualService default/shop-a: spec.gateways: delegate virtual"
                                + " service must have no gateways specified"));
        assertThat(version(get("sleep", "http://shop:8080/a"))).isNotNull();
    }

    private static void apply(String yaml) {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("test.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    private static String version(TrafficDriver.Result r) {
        assertThat(r.status()).as("status of %s: %s", r.requestId(), r.body()).isEqualTo(200);
        return r.headers().get("x-echo-version");
    }

    private static TrafficDriver.Result get(String from, String url) {
        return send(new Scenario.Traffic(from, "GET", url, Map.of(), 1, 1));
    }

    private static TrafficDriver.Result send(Scenario.Traffic traffic) {
        try {
            return new TrafficDriver(mesh)
                    .send(traffic, "hd" + RUNS.incrementAndGet(), n -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
