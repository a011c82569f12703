package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboards' numbers from the UI's own store, fed proxies' exposition text as they serve it. */
class DashboardsTest {

    private static final long T0 = 1_700_000_000_000L;

    /** productpage's sidecar (source side) after {@code n} seconds of 10 req/s to reviews, 8 to v1, 2 to v3. */
    private static String productpage(int n) {
        String common = "reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\","
                + "destination_service=\"reviews.default.svc.cluster.local\",destination_workload_namespace=\"default\"";
        String v1 = common + ",destination_workload=\"reviews-v1\",destination_version=\"v1\",response_code=\"200\"";
        String v3 = common + ",destination_workload=\"reviews-v3\",destination_version=\"v3\",response_code=\"200\"";
        return "# TYPE istio_requests_total counter\n"
                + "istio_requests_total{" + v1 + ",response_flags=\"-\"} " + 8 * n + "\n"
                + "istio_requests_total{" + v3 + ",response_flags=\"-\"} " + 2 * n + "\n"
                // every request to v1 takes 1-5 ms, to v3 5-10 ms
                + bucket(v1, "0.5", 0) + bucket(v1, "1", 0) + bucket(v1, "5", 8 * n) + bucket(v1, "10", 8 * n)
                + bucket(v1, "+Inf", 8 * n)
                + bucket(v3, "0.5", 0) + bucket(v3, "1", 0) + bucket(v3, "5", 0) + bucket(v3, "10", 2 * n)
                + bucket(v3, "+Inf", 2 * n)
                + "istio_request_duration_milliseconds_sum{" + v1 + "} 0\n"
                + "envoy_cluster_upstream_rq_total{cluster_name=\"x\"} 5\n";
    }

    private static String bucket(String labels, String le, int count) {
        return "istio_request_duration_milliseconds_bucket{" + labels + ",response_flags=\"-\",le=\"" + le + "\"} "
                + count + "\n";
    }

    /** reviews-v3's sidecar: 1 req/s to ratings, all aborted by a fault (503 FI) from second 10. */
    private static String reviews(int n) {
        int aborted = Math.max(0, n - 10);
        return "istio_requests_total{reporter=\"source\",source_workload=\"reviews-v3\",source_workload_namespace=\"default\","
                + "destination_service=\"ratings.default.svc.cluster.local\",destination_workload=\"unknown\","
                + "response_code=\"503\",response_flags=\"FI\"} " + aborted + "\n"
                + "istio_tcp_sent_bytes_total{reporter=\"source\",source_workload=\"reviews-v3\","
                + "destination_workload=\"mongodb-v1\",destination_workload_namespace=\"default\","
                + "destination_service=\"mongodb.default.svc.cluster.local\"} " + 100 * n + "\n";
    }

    private static MetricsStore storeOver(int seconds) {
        MetricsStore store = new MetricsStore(5_000, 900_000);
        for (int s = 0; s <= seconds; s += 5) {
            store.add(T0 + s * 1000L, Map.of("productpage-v1-abc", productpage(s), "reviews-v3-def", reviews(s)));
        }
        return store;
    }

    @Test
    void meshDashboardShowsVolumeSuccessRateAnd5xxFromTheSourceReporters() {
        MetricsStore store = storeOver(60);
        Map<String, Object> mesh = new Dashboards(store, new Dashboards.Window(300_000, 0, T0 + 60_000)).mesh();
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = (Map<String, Object>) mesh.get("stats");
        assertThat((Double) stats.get("requests")).isCloseTo(11, within(1e-6));
        assertThat((Double) stats.get("successRate")).isCloseTo(10.0 / 11, within(1e-6));
        assertThat((Double) stats.get("5xx")).isCloseTo(1, within(1e-6));
        assertThat((Double) stats.get("4xx")).isZero();
        assertThat(mesh.get("rate")).isEqualTo("20s"); // Grafana's $__rate_interval: 4 scrapes of 5 s
        @SuppressWarnings("unchecked")
        Map<String, Object> errors = ((List<Map<String, Object>>) mesh.get("charts")).get(1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errorSeries = (List<Map<String, Object>>) errors.get("series");
        // No 4xx at all: 0 wherever there was traffic, as "or vector(0)" draws it, not a missing line.
        assertThat(errorSeries.get(0).get("name")).isEqualTo("4xx");
        assertThat((List<?>) errorSeries.get(0).get("values")).last().isEqualTo(0.0);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> http = (List<Map<String, Object>>) mesh.get("http");
        Map<String, Object> v1 = http.stream()
                .filter(r -> r.get("destination_workload").equals("reviews-v1"))
                .findFirst()
                .orElseThrow();
        assertThat((Double) v1.get("requests")).isCloseTo(8, within(1e-6));
        assertThat((Double) v1.get("p50")).isCloseTo(3, within(1e-6)); // halfway through (1, 5]
        assertThat((Double) v1.get("p99")).isCloseTo(4.96, within(1e-6));
        assertThat((Double) v1.get("successRate")).isCloseTo(1, within(1e-6));
        Map<String, Object> aborted = http.stream()
                .filter(r -> r.get("destination_workload").equals("unknown"))
                .findFirst()
                .orElseThrow();
        assertThat((Double) aborted.get("successRate")).isZero(); // all 5xx: 0 %, not "no data"

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> tcp = (List<Map<String, Object>>) mesh.get("tcp");
        assertThat(tcp).singleElement().satisfies(r -> {
            assertThat(r.get("destination_workload")).isEqualTo("mongodb-v1");
            assertThat((Double) r.get("sentBytes")).isCloseTo(100, within(1e-6));
        });
    }

    @Test
    void serviceDashboardSplitsByVersionAndSource() {
        MetricsStore store = storeOver(30);
        Map<String, Object> svc = new Dashboards(store, new Dashboards.Window(60_000, 0, T0 + 30_000))
                .service("reviews.default.svc.cluster.local");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> split = (List<Map<String, Object>>) svc.get("byVersion");
        assertThat(split).extracting(r -> r.get("destination_version")).containsExactly("v1", "v3");
        assertThat((Double) split.get(0).get("share")).isCloseTo(0.8, within(1e-6));
        assertThat((Double) split.get(1).get("share")).isCloseTo(0.2, within(1e-6));
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = (Map<String, Object>) svc.get("stats");
        assertThat((Double) stats.get("successRate")).isEqualTo(1.0);
        // p90 of all: rank 9 of 10 per second, the first of v3's 2 in (5, 10]: 5 + 5 * 1/2
        assertThat((Double) stats.get("p90")).isCloseTo(7.5, within(1e-6));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> bySource = (List<Map<String, Object>>) svc.get("bySource");
        assertThat(bySource)
                .singleElement()
                .satisfies(r -> assertThat(r.get("source_workload")).isEqualTo("productpage-v1"));
    }

    @Test
    void workloadDashboardShowsItsOutboundCallsByDestinationService() {
        MetricsStore store = storeOver(60);
        Map<String, Object> wl =
                new Dashboards(store, new Dashboards.Window(300_000, 0, T0 + 60_000)).workload("reviews-v3", "default");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outbound = (List<Map<String, Object>>) wl.get("outbound");
        assertThat(outbound).singleElement().satisfies(r -> {
            assertThat(r.get("destination_service")).isEqualTo("ratings.default.svc.cluster.local");
            assertThat((Double) r.get("requests")).isCloseTo(1, within(1e-6));
            assertThat((Double) r.get("successRate")).isZero();
        });
        // Its inbound is what its own sidecar reports (reporter="destination"): none in this fixture.
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = (Map<String, Object>) wl.get("stats");
        assertThat(stats.get("requests")).isNull();
        assertThat(stats.get("successRate")).isNull();
    }

    @Test
    void aRestartedProxysCountersAreNotLost() {
        MetricsStore store = new MetricsStore(5_000, 900_000);
        // 10 req/s, then the proxy restarts between 20 s and 25 s and counts from 0 again
        int[] counts = {0, 50, 100, 150, 200, 40, 90, 140};
        for (int i = 0; i < counts.length; i++) {
            store.add(
                    T0 + i * 5_000L,
                    Map.of("p", "istio_requests_total{reporter=\"source\",response_code=\"200\"} " + counts[i] + "\n"));
        }
        Map<String, Object> mesh = new Dashboards(store, new Dashboards.Window(60_000, 35_000, T0 + 35_000)).mesh();
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = (Map<String, Object>) mesh.get("stats");
        // 200 before the restart + 140 after, over the 35 s sampled
        assertThat((Double) stats.get("requests")).isCloseTo(340.0 / 35, within(1e-6));
    }

    @Test
    void theStoreIsBoundedByItsRetention() {
        MetricsStore store = new MetricsStore(5_000, 60_000); // 12 readings
        for (int i = 0; i < 12; i++) {
            store.add(
                    T0 + i * 5_000L,
                    Map.of("p", "istio_requests_total{reporter=\"source\",response_code=\"200\"} 1\n"));
        }
        for (int i = 12; i < 30; i++) {
            store.add(
                    T0 + i * 5_000L,
                    Map.of("p", "istio_requests_total{reporter=\"source\",response_code=\"503\"} 1\n"));
        }
        assertThat(store.seriesCount()).isEqualTo(1); // the 200 series, unseen for a whole retention, is gone
    }

    @Test
    void badWindowsAreRefusedNamingTheParameter() {
        assertThat(Dashboards.duration("5m", "window", 900_000)).isEqualTo(300_000);
        assertThatThrownBy(() -> Dashboards.duration("5 minutes", "window", 900_000))
                .hasMessage("window: must be a duration such as 30s, 5m or 1h, got \"5 minutes\"");
        assertThatThrownBy(() -> Dashboards.duration("2h", "window", 900_000))
                .hasMessage("window: must be from 10s to 15m, got \"2h\"");
    }

    @Test
    void queriesRenderAsIstiosPromql() {
        PromQuery.Selector calls = new PromQuery.Selector(
                "istio_requests_total", List.of(PromQuery.Matcher.re("reporter", "source|waypoint")));
        assertThat(new PromQuery.Quantile(
                                0.99,
                                calls.metric(Dashboards.DURATION),
                                List.of("destination_workload", "destination_workload_namespace"))
                        .promql("1m"))
                .isEqualTo("histogram_quantile(0.99, sum by (le, destination_workload, destination_workload_namespace)"
                        + " (rate(istio_request_duration_milliseconds_bucket{reporter=~\"source|waypoint\"}[1m])))");
    }
}
