package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.launcher.lifecycle.Wait;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Istio's distributed tracing doc task with Zipkin (zipkin test.sh, verify_traces.py), on a loopback Bookinfo with the
 * Zipkin addon at the demo profile's 100 % sampling: 250 GET /productpage through the ingress, then Zipkin's
 * {@code /api/v2/traces?serviceName=productpage.default}. Every CLIENT span's edge (its {@code localEndpoint}'s service
 * to the {@code name.namespace} of its {@code upstream_cluster}) is one of Bookinfo's calls, and each page load is one
 * trace through the ingress, productpage, details and reviews (and ratings where reviews v2 or v3 answered).
 */
@MeshTest(tracing = true)
class DistributedTracingIT {

    private static final int PAGE_LOADS = 250;
    /** verify_traces.py's table: who may call whom. */
    private static final Map<String, Set<String>> EDGES = Map.of(
            "istio-ingressgateway", Set.of("productpage.default"),
            "productpage.default", Set.of("details.default", "reviews.default"),
            "reviews.default", Set.of("ratings.default"));

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyPageLoadIsOneTraceAlongBookinfosEdges(Mesh mesh) throws Exception {
        Responses pages = mesh.send(PAGE_LOADS, Request.get("/productpage").concurrency(4));
        assertThat(pages.statuses()).containsOnlyKeys(200);

        JsonNode traces = awaitTraces(mesh.zipkin().orElseThrow(), PAGE_LOADS);

        assertThat(traces).hasSize(PAGE_LOADS);
        int withRatings = 0;
        for (JsonNode trace : traces) {
            Set<String> services = new HashSet<>();
            Map<String, Integer> clientEdges = new HashMap<>();
            for (JsonNode span : trace) {
                String from = gatewayAsIstioNamesIt(
                        span.path("localEndpoint").path("serviceName").asText());
                services.add(from);
                String cluster = span.path("tags").path("upstream_cluster").asText();
                if (cluster.isEmpty() || cluster.startsWith("inbound")) {
                    continue;
                }
                String[] parts = cluster.split("\\|");
                assertThat(parts).as("upstream_cluster " + cluster).hasSize(4);
                String[] host = parts[3].split("\\.");
                String to = host[0] + "." + host[1];
                assertThat(EDGES.getOrDefault(from, Set.of()))
                        .as("the edge %s -> %s (span %s, cluster %s)", from, to, span.path("name"), cluster)
                        .contains(to);
                assertThat(span.path("kind").asText())
                        .as("span " + span.path("name"))
                        .isEqualTo("CLIENT");
                clientEdges.merge(from + " -> " + to, 1, Integer::sum);
            }
            assertThat(services)
                    .as("services of trace " + trace.get(0).path("traceId"))
                    .contains("istio-ingressgateway", "productpage.default", "details.default", "reviews.default");
            assertThat(clientEdges)
                    .containsEntry("istio-ingressgateway -> productpage.default", 1)
                    .containsEntry("productpage.default -> details.default", 1)
                    .containsEntry("productpage.default -> reviews.default", 1);
            if (services.contains("ratings.default")) {
                withRatings++;
            }
        }
        // reviews v1 shows no stars, v2 and v3 call ratings: round robin over the three.
        assertThat(withRatings).isBetween(PAGE_LOADS / 2, PAGE_LOADS - PAGE_LOADS / 5);
    }

    /** The gateway's spans name it {@code istio-ingressgateway.istio-system}; verify_traces.py keys it without. */
    private static String gatewayAsIstioNamesIt(String serviceName) {
        return serviceName.startsWith("istio-ingressgateway") ? "istio-ingressgateway" : serviceName;
    }

    /**
     * Polls Zipkin as the doc test does (it retries while the answer is {@code []}), here until every page load's
     * trace is complete: the proxies report spans in batches, a few seconds apart.
     */
    private static JsonNode awaitTraces(URI zipkin, int count) throws Exception {
        URI uri = zipkin.resolve("/zipkin/api/v2/traces?serviceName=productpage.default&limit=" + (count * 2));
        JsonNode[] last = new JsonNode[1];
        Wait.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofSeconds(1)).until("traces in Zipkin", () -> {
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                last[0] = JSON.readTree(r.body());
                long complete = 0;
                for (JsonNode trace : last[0]) {
                    if (spans(trace)
                            .containsAll(List.of("istio-ingressgateway", "details.default", "reviews.default"))) {
                        complete++;
                    }
                }
                return r.statusCode() == 200 && last[0].size() >= count && complete >= count
                        ? Optional.empty()
                        : Optional.of(last[0].size() + " traces, " + complete + " complete");
            } catch (java.io.IOException e) {
                return Optional.of(e.toString());
            }
        });
        return last[0];
    }

    private static Set<String> spans(JsonNode trace) {
        Set<String> services = new HashSet<>();
        trace.forEach(s -> services.add(gatewayAsIstioNamesIt(
                s.path("localEndpoint").path("serviceName").asText())));
        return services;
    }
}
