package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.scenarios.MeshAccess;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes Gateway API routes end to end on the project's own fixtures ({@code gateway-api/*.yaml}): the Gateway
 * deployed as {@code <name>-istio} and reached through its Service from a sidecar, as a client in the cluster would;
 * HTTPRoutes on Service parents (GAMMA) routing the sidecars.
 */
@MeshTest(
        workloads = {"bookinfo", "httpbin", "sleep"},
        seed = 11)
class GatewayApiIT {

    private static final Request PRODUCTPAGE =
            get("http://bookinfo-gateway-istio/productpage").from("sleep");
    private static final Request REVIEWS = get("http://reviews:9080/reviews/0").from("productpage");

    private static Request httpbin(String method, String path) {
        return Request.of(method, "http://httpbin.example.com" + path).from("httpbin-gateway-istio");
    }

    @Test
    void theGatewaysDeploymentServesTheRoutesPathsAndOnlyWholeSegments(Mesh mesh) {
        assertThat(mesh.applyClasspath("gateway-api/bookinfo-gateway.yaml"))
                .containsExactly(
                        "gateway.gateway.networking.k8s.io/bookinfo-gateway created",
                        "httproute.gateway.networking.k8s.io/bookinfo created");

        assertThat(mesh.send(5, PRODUCTPAGE)).allHaveStatus(200).allBodiesContain("Simple Bookstore App");
        assertThat(mesh.send(
                        2,
                        get("http://bookinfo-gateway-istio/api/v1/products/0").from("sleep")))
                .allHaveStatus(200);
        // PathPrefix /api/v1/products is a path-separated prefix: /api/v1/productsX is not under it.
        assertThat(mesh.send(
                        2, get("http://bookinfo-gateway-istio/api/v1/productsX").from("sleep")))
                .allHaveStatus(404);
        assertThat(mesh.send(2, get("http://bookinfo-gateway-istio/reviews").from("sleep")))
                .allHaveStatus(404);
    }

    @Test
    void aServiceParentSplitsTheSidecarsTraffic90To10(Mesh mesh) {
        mesh.applyClasspath("gateway-api/reviews-90-10.yaml");

        Responses r = mesh.send(400, REVIEWS.concurrency(4));

        assertThat(r)
                .allHaveStatus(200)
                .hasVersionShare("v1", 0.90, within(0.05))
                .hasVersionShare("v2", 0.10, within(0.05))
                .noneServedBy("v3");
    }

    @Test
    void aHeaderMatchSendsJasonToV2AndTheRestIsMirroredToV3(Mesh mesh) {
        mesh.applyClasspath("gateway-api/reviews-jason-v2.yaml");

        assertThat(mesh.send(20, REVIEWS.header("end-user", "jason"))).allServedBy("v2");
        Responses others = mesh.send(20, REVIEWS.header("end-user", "alice"));
        assertThat(others).allServedBy("v1");

        Set<String> ids =
                others.asList().stream().map(Responses.Response::requestId).collect(Collectors.toSet());
        long mirrored = mesh.accessLog("reviews").stream()
                .filter(e -> ids.contains(e.requestId()))
                .filter(e -> "inbound".equals(e.direction())
                        && "v3".equals(e.podLabels().get("version")))
                .map(MeshAccess.LogEntry::requestId)
                .distinct()
                .count();
        assertThat(mirrored).isEqualTo(20);
    }

    @Test
    void filtersRewriteRedirectTimeOutAndMethodMatchOnTheGateway(Mesh mesh) {
        mesh.applyClasspath("gateway-api/httpbin-filters.yaml");

        Responses headers = mesh.send(3, httpbin("GET", "/headers").header("X-Drop-Me", "yes"));
        assertThat(headers).allHaveStatus(200).allBodiesContain("gateway-api").noBodyContains("X-Drop-Me");
        assertThat(headers.asList()).allSatisfy(r -> assertThat(r.headers()).containsEntry("x-served-by", "httproute"));

        Responses redirect = mesh.send(1, httpbin("GET", "/old/get?x=1"));
        assertThat(redirect).allHaveStatus(302);
        assertThat(redirect.asList().get(0).headers().get("location"))
                .isEqualTo("http://httpbin.example.com/anything/get?x=1");

        assertThat(mesh.send(2, httpbin("GET", "/v2/get"))).allHaveStatus(200).allBodiesContain("/anything/get");
        // ReplacePrefixMatch "/" strips the prefix (no "//"), ReplaceFullPath replaces the whole path.
        assertThat(mesh.send(1, httpbin("GET", "/strip/anything/x")))
                .allHaveStatus(200)
                .allBodiesContain("/anything/x");
        assertThat(mesh.send(1, httpbin("GET", "/full/a/b?q=1")))
                .allHaveStatus(200)
                .allBodiesContain("/anything/replaced");

        Responses slow = mesh.send(2, httpbin("GET", "/delay/2"));
        assertThat(slow).allHaveStatus(504);
        assertThat(slow).p99().isLessThan(Duration.ofMillis(1500));

        assertThat(mesh.send(2, httpbin("POST", "/status/418"))).allHaveStatus(418);
        assertThat(mesh.send(2, httpbin("GET", "/status/418"))).allHaveStatus(404);

        // A backendRef to a Service that does not exist answers 500, as Istio's gateways do.
        assertThat(mesh.send(2, httpbin("GET", "/missing"))).allHaveStatus(500);
        // Another host is not routed by this listener.
        assertThat(mesh.send(1, httpbin("GET", "/headers").host("other.example.com")))
                .allHaveStatus(404);
    }
}
