package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running Prometheus ({@code up --prometheus}: 127.0.0.1:9090) as the dashboards' source: each {@link PromQuery} is
 * sent as its PromQL text to {@code /api/v1/query_range}, as Grafana sends Istio's dashboard queries.
 */
final class PrometheusSource implements MetricsSource {

    static final URI DEFAULT = URI.create("http://127.0.0.1:9090");
    /** The addon's {@code scrape_interval}. */
    static final long SCRAPE_MILLIS = 15_000;

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ObjectMapper json = new ObjectMapper();

    PrometheusSource(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    /** Whether it answers {@code /-/ready} now. */
    boolean ready() {
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(base.resolve("/-/ready"))
                            .timeout(Duration.ofMillis(500))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public long scrapeMillis() {
        return SCRAPE_MILLIS;
    }

    @Override
    public Map<Map<String, String>, double[]> query(PromQuery query, Range range, long rateMillis) {
        String promql = query.promql((rateMillis / 1000) + "s");
        URI uri = base.resolve("/api/v1/query_range?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&start=" + seconds(range.startMillis()) + "&end=" + seconds(range.endMillis()) + "&step="
                + seconds(range.stepMillis()));
        JsonNode body;
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            body = json.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new ApiException(
                        502,
                        "Prometheus at " + base + " answered " + r.statusCode() + " to " + promql + ": "
                                + body.path("error").asText(r.body()));
            }
        } catch (IOException e) {
            throw new ApiException(502, "Prometheus at " + base + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while asking Prometheus");
        }
        return matrix(body.path("data").path("result"), range);
    }

    /** A range query's {@code result} matrix as arrays over the range's points. */
    static Map<Map<String, String>, double[]> matrix(JsonNode result, Range range) {
        Map<Map<String, String>, double[]> out = new LinkedHashMap<>();
        for (JsonNode series : result) {
            Map<String, String> labels = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            series.path("metric").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                labels.put(e.getKey(), e.getValue().asText());
            }
            double[] values = new double[range.points()];
            java.util.Arrays.fill(values, Double.NaN);
            for (JsonNode point : series.path("values")) {
                long millis = Math.round(point.get(0).asDouble() * 1000);
                int i = (int) Math.round((millis - range.startMillis()) / (double) range.stepMillis());
                if (i >= 0 && i < values.length) {
                    values[i] = parse(point.get(1).asText());
                }
            }
            out.put(Map.copyOf(labels), values);
        }
        return out;
    }

    private static double parse(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    private static String seconds(long millis) {
        return Double.toString(millis / 1000.0);
    }
}
