package com.example.checkout;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Beta testers always reach checkout v2; nobody else ever does. */
@MeshTest(kubernetes = {"classpath:checkout.yaml", "classpath:frontend.yaml"})
class CheckoutHeaderRouteTest {

    private static final Request CHECKOUT = get("http://checkout:8080/cart").from("frontend");

    @BeforeEach
    void betaTesterRoute(Mesh mesh) {
        mesh.applyClasspath("istio/checkout-subsets.yaml", "istio/checkout-beta-testers.yaml");
    }

    @Test
    void betaTestersAlwaysGetV2(Mesh mesh) {
        assertThat(mesh.send(30, CHECKOUT.header("x-beta-tester", "true")))
                .allHaveStatus(200)
                .allServedBy("v2");
    }

    @Test
    void everyoneElseStaysOnV1(Mesh mesh) {
        assertThat(mesh.send(30, CHECKOUT)).allHaveStatus(200).allServedBy("v1");
        assertThat(mesh.send(30, CHECKOUT.header("x-beta-tester", "false"))).allServedBy("v1");
    }
}
