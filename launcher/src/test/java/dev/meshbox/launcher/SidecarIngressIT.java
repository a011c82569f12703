package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.Test;

/**
 * A Sidecar's ingress listener on a loopback mesh, as Istio's Sidecar reference example: the Service sends port 9080
 * to the pod's 9080, the app listens on 8080, and the listener on 9080 with {@code defaultEndpoint: 127.0.0.1:8080}
 * joins them. Without it the pod's proxy forwards 9080 to the app's 9080, where nothing listens.
 */
@MeshTest(
        workloads = {"sleep"},
        kubernetes = "classpath:sidecar/ratings-on-8080.yaml")
class SidecarIngressIT {

    private static Responses.Response call(Mesh mesh) {
        return mesh.send(1, Request.get("http://ratings:9080/").from("sleep"))
                .asList()
                .get(0);
    }

    @Test
    void anIngressListenerForwardsItsPortToTheDefaultEndpoint(Mesh mesh) {
        Responses.Response before = call(mesh);
        assertThat(before.status()).as("%s", before).isEqualTo(503);

        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: ratings}
                spec:
                  workloadSelector: {labels: {app: ratings}}
                  ingress:
                  - port: {number: 9080, protocol: HTTP, name: somename}
                    defaultEndpoint: 127.0.0.1:8080
                """);

        Responses.Response after = call(mesh);
        assertThat(after.status()).as("%s", after).isEqualTo(200);
        assertThat(after.version()).isEqualTo("v1");
    }
}
