package com.example.checkout;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our canary VirtualService sends a fifth of checkout's traffic to v2, and nothing else changes for callers. */
@MeshTest(
        kubernetes = {"classpath:checkout.yaml", "classpath:frontend.yaml"},
        seed = 42)
class CheckoutCanaryTest {

    private static final Request CHECKOUT = get("http://checkout:8080/cart").from("frontend");

    @BeforeAll
    static void subsets(Mesh mesh) {
        mesh.applyClasspath("istio/checkout-subsets.yaml");
    }

    @Test
    void aFifthOfTheTrafficGoesToV2(Mesh mesh) {
        mesh.applyClasspath("istio/checkout-canary.yaml");

        Responses responses = mesh.send(1000, CHECKOUT.concurrency(10));

        // With seed 42 every run makes the same choice for each request; the tolerance says what we care about:
        // 1000 requests at 20 % vary by about 1.3 points, so 4 points is three standard deviations.
        assertThat(responses)
                .allHaveStatus(200)
                .hasVersionShare("v2", 0.20, within(0.04))
                .hasVersionShare("v1", 0.80, within(0.04));
    }

    /** The canary of the other test is gone: each test starts from the subsets applied in @BeforeAll. */
    @Test
    void withoutTheCanaryBothVersionsServe(Mesh mesh) {
        Responses responses = mesh.send(40, CHECKOUT);

        assertThat(responses).allHaveStatus(200);
        assertThat(responses.versions()).containsOnlyKeys("v1", "v2");
    }
}
