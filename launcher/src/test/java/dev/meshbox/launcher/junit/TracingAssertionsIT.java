package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Asserting on traces: Bookinfo with Istio's Zipkin addon, every request sampled, each request's trace read back from
 * Zipkin's own server by its x-request-id.
 */
@MeshTest(workloads = "bookinfo", tracing = true)
class TracingAssertionsIT {

    @Test
    void aPageLoadsTraceSpansTheIngressAndEveryBookinfoService(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/destination-rule-all.yaml");
        mesh.applyClasspath("scenarios/istio/virtual-service-reviews-v3.yaml");

        Responses r = mesh.send(3, get("/productpage"));

        assertThat(r.statuses()).containsOnlyKeys(200);
        assertThat(r)
                .passesThrough("ingress", "productpage", "reviews", "ratings")
                .passesThrough("ingress", "productpage", "details")
                .hasTracedCall("productpage", "reviews", Map.of("http.status_code", "200"));
        assertThat(r.traces()).eachHasCalls(1, "reviews", "ratings", Map.of("response_flags", "-"));
        assertThat(r.traces().asList())
                .allSatisfy(t -> assertThat(t.spans())
                        .extracting(s -> s.service())
                        .contains(
                                "istio-ingressgateway.istio-system",
                                "productpage.default",
                                "details.default",
                                "reviews.default",
                                "ratings.default"));
    }

    @Test
    void aFaultAbortIsTheCallersClientSpanWithResponseFlagsFi(Mesh mesh) {
        mesh.applyClasspath("scenarios/istio/destination-rule-all.yaml");
        mesh.applyClasspath("scenarios/istio/virtual-service-all-v1.yaml");
        mesh.applyClasspath("scenarios/istio/virtual-service-reviews-test-v2.yaml");
        mesh.applyClasspath("scenarios/istio/virtual-service-ratings-test-abort.yaml");

        Responses r = mesh.send(3, get("/productpage").user("jason"));

        assertThat(r)
                .passesThrough("ingress", "productpage", "reviews")
                .hasTracedCall("reviews", "ratings", Map.of("response_flags", "FI", "error", "true"));
        assertThat(r.traces().calls("reviews", "ratings"))
                .hasSize(3)
                .allSatisfy(s -> assertThat(s.tags()).containsEntry("http.status_code", "500"));
        // ratings never saw the request.
        assertThatThrownBy(() -> assertThat(r).passesThrough("reviews", "ratings"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected every trace to pass through reviews > ratings, but 3 of 3 do not")
                .hasMessageContaining("/zipkin/traces/")
                .hasMessageContaining("productpage.default > reviews.default");
    }
}
