package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The extension used as a user would, on Bookinfo: one mesh for the class, Istio's sample config, assertions on where
 * the requests went. Ordered so that a test applying config is followed by one proving it was removed.
 */
@MeshTest(workloads = "bookinfo", seed = 7)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BookinfoRoutingIT {

    private static final Path ISTIO = Path.of("..", "scenarios", "istio");
    private static final Request REVIEWS = get("http://reviews:9080/reviews/0").from("productpage");

    /** Subsets for every service, for the whole class: a test's reset keeps what @BeforeAll applied. */
    @BeforeAll
    static void subsets(Mesh mesh) {
        assertThat(mesh.applyClasspath("scenarios/istio/destination-rule-all.yaml"))
                .contains("destinationrule.networking.istio.io/reviews created");
    }

    @Test
    @Order(1)
    void reviewsSplit90To10(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/virtual-service-reviews-90-10.yaml");

        Responses r = mesh.send(1000, REVIEWS.concurrency(4));

        // 1000 requests at 10 %: one standard deviation is under 1 point, so 3 points is over 3 sigma.
        assertThat(r)
                .allHaveStatus(200)
                .hasVersionShare("v1", 0.90, within(0.03))
                .hasVersionShare("v2", 0.10, within(0.03))
                .noneServedBy("v3");
        assertThat(r).p99().isLessThan(Duration.ofSeconds(2));
    }

    @Test
    @Order(2)
    void jasonLoggedInThroughTheIngressAlwaysGetsV2(Mesh mesh) {
        mesh.apply(ISTIO.resolve("virtual-service-all-v1.yaml"), ISTIO.resolve("virtual-service-reviews-test-v2.yaml"));

        assertThat(mesh.send(10, get("/productpage").user("jason")))
                .allHaveStatus(200)
                .allServedBy("reviews", "v2")
                .allBodiesContain("glyphicon-star");
        assertThat(mesh.send(10, get("/productpage")))
                .allHaveStatus(200)
                .allServedBy("reviews", "v1")
                .noBodyContains("glyphicon-star");
    }

    @Test
    @Order(3)
    void theEndUserHeaderFromProductpageSelectsV2(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/virtual-service-reviews-test-v2.yaml");

        assertThat(mesh.send(20, REVIEWS.header("end-user", "jason"))).allServedBy("v2");
        assertThat(mesh.send(20, REVIEWS.header("end-user", "alice"))).allServedBy("v1");
    }

    @Test
    @Order(4)
    void reviewsV3TakesEverything(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/virtual-service-reviews-v3.yaml");

        assertThat(mesh.send(20, REVIEWS)).allServedBy("v3");
    }

    @Test
    @Order(5)
    void theNextTestSeesTheConfigResetButTheClassSubsetsKept(Mesh mesh) {
        Responses r = mesh.send(30, REVIEWS);

        assertThat(r.versions()).containsKeys("v1", "v2", "v3");
        assertThat(mesh.stats("productpage"))
                .containsKey("cluster.outbound|9080|v3|reviews.default.svc.cluster.local.upstream_rq_total");
    }

    @Test
    @Order(6)
    void aWrongShareIsExplainedByTheRoutingTheSidecarChose(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/virtual-service-all-v1.yaml");
        Responses r = mesh.send(20, REVIEWS);

        assertThatThrownBy(() -> assertThat(r).hasVersionShare("v2", 0.5, within(0.05)))
                .hasMessageContaining(
                        "Expected reviews v2 to serve 0.5 ± 0.05 of the requests, but it served 0.000 (0/20).")
                .hasMessageContaining("served by reviews: v1 20/20")
                .hasMessageContaining(
                        "productpage's sidecar chose: outbound|9080|v1|reviews.default.svc.cluster.local 20/20")
                .hasMessageContaining(
                        "routing for reviews: productpage's route 9080 for reviews:9080: [1] VirtualService default/reviews")
                .hasMessageContaining("request ids " + getClass().getSimpleName()
                        + "-aWrongShareIsExplainedByTheRoutingTheSidecarChose-1-N");
    }

    @Test
    @Order(7)
    void anInjectedAbortIsExplainedByItsFlag(Mesh mesh) {
        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: ratings
                spec:
                  hosts: [ratings]
                  http:
                  - fault:
                      abort:
                        percentage: {value: 100}
                        httpStatus: 500
                    route:
                    - destination: {host: ratings, subset: v1}
                """);
        Responses r = mesh.send(10, get("http://ratings:9080/ratings/0").from("reviews"));

        assertThat(r).allHaveStatus(500).allHaveResponseFlag("FI").noneServedBy("v1");
        assertThatThrownBy(() -> assertThat(r).allHaveStatus(200))
                .hasMessageContaining("Expected every response to have status 200, but 10 of 10 did not.")
                .hasMessageContaining(
                        "flags at reviews's sidecar: FI (fault abort injected by a VirtualService) 10/10");
    }

    @Test
    @Order(8)
    void rejectedConfigNamesTheField(Mesh mesh) {
        assertThatThrownBy(() -> mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: -10
                """))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Istio config rejected; nothing was applied")
                .hasMessageContaining("spec.http[0].route[0].weight");
        assertThatThrownBy(() -> mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v9}
                """))
                .hasMessageContaining("spec.http[0].route[0].destination.subset: subset \"v9\" is not defined");
        assertThatThrownBy(() -> mesh.apply("istio/reviews.yaml"))
                .hasMessageContaining("applyClasspath(\"istio/reviews.yaml\")");
    }
}
