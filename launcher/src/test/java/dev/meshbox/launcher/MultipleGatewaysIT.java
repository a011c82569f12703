package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several gateways (issue 19, item 5): a second ingress {@code my-ingress} of the user's beside
 * {@code istio-ingressgateway}, each serving only the Gateways whose selector matches its labels, and a VirtualService
 * bound to one Gateway not served by the other. Unmatched hosts and paths get Istio's 404 from either.
 */
@MeshTest(
        workloads = {"httpbin"},
        gateways = {"my-ingress"})
class MultipleGatewaysIT {

    @BeforeAll
    static void twoGatewaysOnPort80(Mesh mesh) {
        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw-a}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [a.example.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw-b}
                spec:
                  selector: {istio: my-ingress}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw-nobody}
                spec:
                  selector: {istio: nobody}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [c.example.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a.example.com]
                  gateways: [gw-a]
                  http:
                  - match: [{uri: {prefix: /status}}]
                    route: [{destination: {host: httpbin, port: {number: 8000}}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: b}
                spec:
                  hosts: [b.example.com]
                  gateways: [gw-b]
                  http:
                  - match: [{uri: {prefix: /status}}]
                    route: [{destination: {host: httpbin, port: {number: 8000}}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: c}
                spec:
                  hosts: [c.example.com]
                  gateways: [gw-nobody]
                  http:
                  - route: [{destination: {host: httpbin, port: {number: 8000}}}]
                """);
    }

    private static Responses.Response one(Mesh mesh, String from, String host, String path) {
        return mesh.send(1, Request.get(path).from(from).host(host)).asList().get(0);
    }

    @Test
    void eachGatewayServesTheHostsOfTheGatewaysThatSelectIt(Mesh mesh) {
        assertThat(one(mesh, "ingress", "a.example.com", "/status/200").status())
                .isEqualTo(200);
        assertThat(one(mesh, "my-ingress", "b.example.com", "/status/200").status())
                .isEqualTo(200);
        assertThat(one(mesh, "my-ingress", "b.example.com", "/status/200").headers())
                .containsEntry("server", "istio-envoy");
    }

    @Test
    void aVirtualServiceBoundToOneGatewayIsNotServedByTheOther(Mesh mesh) {
        // gw-b takes every host on my-ingress, yet VS a is bound to gw-a only: my-ingress has no route for it.
        Responses.Response aAtMine = one(mesh, "my-ingress", "a.example.com", "/status/200");
        assertThat(aAtMine.status()).isEqualTo(404);
        assertThat(aAtMine.responseFlags()).isEqualTo("NR");
        Responses.Response bAtIngress = one(mesh, "ingress", "b.example.com", "/status/200");
        assertThat(bAtIngress.status()).isEqualTo(404);
        assertThat(bAtIngress.headers()).containsEntry("server", "istio-envoy");
        assertThat(bAtIngress.body()).isEmpty();
    }

    @Test
    void aGatewayWhoseSelectorMatchesNoGatewayPodIsServedNowhere(Mesh mesh) {
        assertThat(one(mesh, "ingress", "c.example.com", "/status/200").status())
                .isEqualTo(404);
        assertThat(one(mesh, "my-ingress", "c.example.com", "/status/200").status())
                .isEqualTo(404);
    }

    @Test
    void anUnmatchedPathIs404WithIstiosBits(Mesh mesh) {
        Responses.Response r = one(mesh, "my-ingress", "b.example.com", "/headers");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.responseFlags()).isEqualTo("NR");
        assertThat(r.headers()).containsEntry("server", "istio-envoy");
        assertThat(r.body()).isEmpty();
    }
}
