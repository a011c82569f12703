package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's Gateway API samples ({@code samples/bookinfo/gateway-api}), applied unmodified, routing Bookinfo as the
 * Gateway API versions of Istio's traffic tasks say. Skipped where Istio's samples are not beside this checkout
 * ({@code ../shared/istio/samples}); {@link GatewayApiIT} covers the same ground on the project's own files.
 */
@MeshTest(
        workloads = {"bookinfo", "sleep"},
        seed = 20_261_204L)
class GatewayApiSamplesIT {

    private static Path samples;

    /** The Gateway's deployment, where Istio's docs send the page loads ({@code $INGRESS_HOST/productpage}). */
    private static final Request PAGE =
            get("http://bookinfo.example.com/productpage").from("bookinfo-gateway-istio");

    @BeforeAll
    static void samples() {
        samples =
                Pages.istioSamples().map(p -> p.resolve("bookinfo/gateway-api")).orElse(null);
        Assumptions.assumeTrue(
                samples != null,
                "Istio's samples are not beside this checkout (../shared/istio/samples): these tests apply Istio's"
                        + " own files; GatewayApiIT covers the same routes on the project's fixtures");
    }

    @BeforeEach
    void gateway(Mesh mesh) {
        assertThat(mesh.apply(samples.resolve("bookinfo-gateway.yaml")))
                .contains("gateway.gateway.networking.k8s.io/bookinfo-gateway created");
    }

    @Test
    void theGatewayServesBookinfo(Mesh mesh) {
        assertThat(mesh.send(5, PAGE)).allHaveStatus(200).allBodiesContain("Simple Bookstore App");
        assertThat(mesh.send(
                        2, get("http://bookinfo.example.com/api/v1/products").from("bookinfo-gateway-istio")))
                .allHaveStatus(200);
        // From inside the mesh, through the Gateway's Service.
        assertThat(mesh.send(2, get("http://bookinfo-gateway-istio/productpage").from("sleep")))
                .allHaveStatus(200);
    }

    @Test
    void routeAllV1ShowsNoStars(Mesh mesh) {
        mesh.apply(samples.resolve("route-all-v1.yaml"));

        Responses pages = mesh.send(30, PAGE);

        assertThat(pages).allHaveStatus(200).noBodyContains("glyphicon-star");
        assertThat(pages.forService("reviews")).allServedBy("v1");
    }

    /** Istio's request-routing task for Gateway API gives this route inline: jason gets v2, everyone else v1. */
    @Test
    void jasonGetsBlackStarsOthersNone(Mesh mesh) {
        mesh.apply(samples.resolve("route-all-v1.yaml"));
        mesh.apply("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: reviews
                spec:
                  parentRefs:
                  - group: ""
                    kind: Service
                    name: reviews
                    port: 9080
                  rules:
                  - matches:
                    - headers:
                      - name: end-user
                        value: jason
                    backendRefs:
                    - name: reviews-v2
                      port: 9080
                  - backendRefs:
                    - name: reviews-v1
                      port: 9080
                """);

        Responses jason = mesh.send(10, PAGE.user("jason"));
        assertThat(jason).allHaveStatus(200).allBodiesContain("glyphicon-star");
        assertThat(jason.forService("reviews")).allServedBy("v2");
        assertThat(mesh.send(10, PAGE)).allHaveStatus(200).noBodyContains("glyphicon-star");
    }

    @Test
    void reviews90To10SendsATenthToV2(Mesh mesh) {
        mesh.apply(samples.resolve("route-reviews-90-10.yaml"));

        Responses reviews = mesh.send(200, PAGE.concurrency(4)).forService("reviews");

        assertThat(reviews).hasVersionShare("v1", 0.90, within(0.06)).hasVersionShare("v2", 0.10, within(0.06));
    }

    /** Istio's traffic-shifting task: all v1, then 50/50 v1 and v3 (41 to 59 of 100 red), then all v3 (over 90). */
    @Test
    void trafficShiftingToV3(Mesh mesh) {
        mesh.apply(samples.resolve("route-all-v1.yaml"));
        assertThat(mesh.send(100, PAGE.concurrency(4)).forService("reviews")).allServedBy("v1");

        mesh.apply(samples.resolve("route-reviews-50-v3.yaml"));
        Responses half = mesh.send(100, PAGE.concurrency(4));
        long red = half.asList().stream()
                .filter(r -> r.body().contains("text-red-500"))
                .count();
        assertThat(red).isBetween(41L, 59L);

        mesh.apply(samples.resolve("route-reviews-v3.yaml"));
        Responses v3 = mesh.send(100, PAGE.concurrency(4));
        assertThat(v3.asList().stream()
                        .filter(r -> r.body().contains("text-red-500"))
                        .count())
                .isGreaterThan(90L);
    }

    @Test
    void routeReviewsV1ThenV3(Mesh mesh) {
        mesh.apply(samples.resolve("route-reviews-v1.yaml"));
        assertThat(mesh.send(20, PAGE).forService("reviews")).allServedBy("v1");
        mesh.apply(samples.resolve("route-reviews-v3.yaml"));
        assertThat(mesh.send(20, PAGE).forService("reviews")).allServedBy("v3");
    }
}
