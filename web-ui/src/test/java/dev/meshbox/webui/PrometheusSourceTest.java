package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusSourceTest {

    @Test
    void aQueryRangeMatrixBecomesArraysOverTheRangesPointsWithGaps() throws Exception {
        // Prometheus's answer to a range query: seconds as numbers, values as strings, points without a value left out.
        String body = """
                {"resultType": "matrix", "result": [
                  {"metric": {"destination_version": "v1"}, "values": [[1700000000, "8"], [1700000010, "NaN"]]},
                  {"metric": {"destination_version": "v3"}, "values": [[1700000005.000, "2.5"]]}
                ]}
                """;
        MetricsSource.Range range = new MetricsSource.Range(1_700_000_000_000L, 5_000, 3);
        Map<Map<String, String>, double[]> m =
                PrometheusSource.matrix(new ObjectMapper().readTree(body).path("result"), range);
        assertThat(m.get(Map.of("destination_version", "v1"))).containsExactly(8, Double.NaN, Double.NaN);
        assertThat(m.get(Map.of("destination_version", "v3"))).containsExactly(Double.NaN, 2.5, Double.NaN);
    }

    @Test
    void eachShapeIsSentAsIstiosPromql() {
        PromQuery.Selector calls = new PromQuery.Selector(
                "istio_requests_total", java.util.List.of(PromQuery.Matcher.re("reporter", "source|waypoint")));
        PromQuery.SumRate all = new PromQuery.SumRate(calls, java.util.List.of());
        PromQuery.SumRate ok =
                new PromQuery.SumRate(calls.and(PromQuery.Matcher.notRe("response_code", "5..")), java.util.List.of());
        assertThat(new PromQuery.Ratio(ok, all).promql("20s"))
                .isEqualTo("sum (rate(istio_requests_total{reporter=~\"source|waypoint\",response_code!~\"5..\"}[20s]))"
                        + " / sum (rate(istio_requests_total{reporter=~\"source|waypoint\"}[20s]))");
    }
}
