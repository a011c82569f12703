package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    private static final String TEXT = """
            # TYPE istio_requests_total counter
            istio_requests_total{reporter="source",source_workload="productpage-v1",response_code="200",response_flags="-"} 42
            istio_requests_total{reporter="source",source_workload="a \\"quoted\\" name",response_code="503",response_flags="UO"} 7 1700000000000
            # TYPE istio_request_duration_milliseconds histogram
            istio_request_duration_milliseconds_bucket{reporter="source",le="0.5"} 3
            istio_requests_total_other{x="y"} 1
            istio_requests_total{broken="no closing quote} 5
            """;

    @Test
    void readsTheSamplesOfOneMetricWithTheirLabels() {
        List<PrometheusText.Sample> samples = PrometheusText.samples(TEXT, "istio_requests_total");

        assertThat(samples).hasSize(2);
        assertThat(samples.get(0).label("source_workload")).isEqualTo("productpage-v1");
        assertThat(samples.get(0).value()).isEqualTo(42);
        assertThat(samples.get(1).label("source_workload")).isEqualTo("a \"quoted\" name");
        assertThat(samples.get(1).label("response_flags")).isEqualTo("UO");
        assertThat(samples.get(1).value()).isEqualTo(7);
    }

    @Test
    void aMissingLabelIsUnknownAsIstioWritesIt() {
        assertThat(PrometheusText.samples(TEXT, "istio_requests_total").get(0).label("destination_version"))
                .isEqualTo("unknown");
    }
}
