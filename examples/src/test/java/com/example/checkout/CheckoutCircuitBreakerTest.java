package com.example.checkout;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.Test;

/**
 * Our connection-pool limits protect checkout: under three concurrent callers some requests are refused at once with
 * 503, each by the circuit breaker (flag UO), and the sidecar's overflow counter agrees.
 */
@MeshTest(kubernetes = {"classpath:checkout.yaml", "classpath:frontend.yaml"})
class CheckoutCircuitBreakerTest {

    @Test
    void threeConcurrentCallersOverflowTheBreaker(Mesh mesh) {
        mesh.applyClasspath("istio/checkout-circuit-breaker.yaml");

        Responses responses =
                mesh.send(30, get("http://checkout:8080/cart").from("frontend").concurrency(3));

        assertThat(responses).someHaveStatus(200).someHaveStatus(503);
        assertThat(responses).withStatus(503).allHaveResponseFlag("UO");
        assertThat(responses).counter("upstream_rq_pending_overflow").isEqualTo(responses.statusCount(503));
    }

    @Test
    void oneCallerAtATimeNeverOverflows(Mesh mesh) {
        mesh.applyClasspath("istio/checkout-circuit-breaker.yaml");

        Responses responses = mesh.send(10, get("http://checkout:8080/cart").from("frontend"));

        assertThat(responses).allHaveStatus(200).noneHaveResponseFlag("UO");
        assertThat(responses).counter("upstream_rq_pending_overflow").isZero();
    }
}
