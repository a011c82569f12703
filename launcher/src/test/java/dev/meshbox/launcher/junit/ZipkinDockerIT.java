package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.docker.RequiresDocker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's Zipkin addon on the Docker backend: Zipkin's own server as container {@code zipkin} in istio-system (no
 * sidecar), its 9411 published on 127.0.0.1, the proxies' spans reaching it through the mesh network.
 */
@RequiresDocker
@MeshTest(backend = MeshTest.DOCKER, workloads = "bookinfo", tracing = true)
class ZipkinDockerIT {

    @Test
    void aPageLoadsTraceInZipkinSpansTheIngressProductpageAndReviews(Mesh mesh) throws Exception {
        URI zipkin = mesh.zipkin().orElseThrow();
        assertThat(zipkin.getHost()).isEqualTo("127.0.0.1");

        Responses r = mesh.send(1, get("/productpage"));

        assertThat(r.statuses()).containsOnlyKeys(200);
        assertThat(r)
                .passesThrough("ingress", "productpage", "reviews")
                .hasTracedCall("productpage", "reviews", Map.of("http.status_code", "200"));
        assertThat(r.traces().asList())
                .allSatisfy(t -> assertThat(t.spans())
                        .extracting(s -> s.service())
                        .contains("istio-ingressgateway.istio-system", "productpage.default", "reviews.default"));
        // The UI is there for the user too, on the published port.
        HttpResponse<String> ui = HttpClient.newBuilder()
                .proxy(HttpClient.Builder.NO_PROXY)
                .build()
                .send(HttpRequest.newBuilder(zipkin.resolve("/zipkin/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
    }
}
