package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The proxies' spans in a real Zipkin, as Istio's distributed tracing task shows them: one page load through the
 * ingress gateway is one trace spanning the gateway, productpage, details, reviews (and ratings where reviews calls
 * it), and every caller-side span's edge is one of Bookinfo's (the zipkin doc test's {@code verify_traces.py}).
 */
@MeshTest(tracing = true)
class TracingIT {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    /** verify_traces.py's allowed edges. */
    private static final Map<String, Set<String>> EDGES = Map.of(
            "istio-ingressgateway.istio-system", Set.of("productpage.default"),
            "productpage.default", Set.of("details.default", "reviews.default"),
            "reviews.default", Set.of("ratings.default"));

    @Test
    void onePageLoadIsOneTraceThroughTheIngressProductpageDetailsAndReviews(Mesh mesh) throws Exception {
        URI page = URI.create("http://" + mesh.ingress().getHostString() + ":"
                + mesh.ingress().getPort() + "/productpage");
        HttpResponse<String> loaded = HTTP.send(
                HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(loaded.statusCode()).isEqualTo(200);

        URI zipkin = mesh.zipkin().orElseThrow();
        URI traces = zipkin.resolve("/api/v2/traces?serviceName=istio-ingressgateway.istio-system&limit=10");
        Set<String> services = new HashSet<>();
        JsonNode trace = null;
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            JsonNode all = new ObjectMapper()
                    .readTree(HTTP.send(
                                    HttpRequest.newBuilder(traces)
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body());
            services.clear();
            if (all.size() > 0) {
                trace = all.get(0);
                trace.forEach(s ->
                        services.add(s.path("localEndpoint").path("serviceName").asText()));
                if (services.containsAll(Set.of(
                        "istio-ingressgateway.istio-system",
                        "productpage.default",
                        "details.default",
                        "reviews.default"))) {
                    break;
                }
            }
            Thread.sleep(300);
        }
        assertThat(services)
                .contains(
                        "istio-ingressgateway.istio-system",
                        "productpage.default",
                        "details.default",
                        "reviews.default");
        String traceId = trace.get(0).path("traceId").asText();
        assertThat(traceId).matches("[0-9a-f]{32}");
        for (JsonNode span : trace) {
            assertThat(span.path("traceId").asText()).isEqualTo(traceId);
            String cluster = span.path("tags").path("upstream_cluster").asText();
            if (cluster.startsWith("inbound")) {
                assertThat(span.path("kind").asText()).isEqualTo("SERVER");
                continue;
            }
            assertThat(span.path("kind").asText()).isEqualTo("CLIENT");
            String from = span.path("localEndpoint").path("serviceName").asText();
            String host = cluster.split("\\|")[3];
            String to = host.split("\\.")[0] + "." + host.split("\\.")[1];
            assertThat(EDGES.getOrDefault(from, Set.of()))
                    .as(from + " -> " + to)
                    .contains(to);
        }
        JsonNode gateway = null;
        for (JsonNode span : trace) {
            if (span.path("localEndpoint").path("serviceName").asText().equals("istio-ingressgateway.istio-system")) {
                gateway = span;
            }
        }
        assertThat(gateway.path("name").asText()).isEqualTo("productpage.default.svc.cluster.local:9080/productpage");
        assertThat(gateway.path("tags").path("istio.canonical_service").asText())
                .isEqualTo("istio-ingressgateway");
        assertThat(gateway.has("parentId")).isFalse();
    }
}
