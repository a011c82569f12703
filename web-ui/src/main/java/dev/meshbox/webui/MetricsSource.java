package dev.meshbox.webui;

import java.util.Map;

/**
 * Where the dashboards read Istio's metrics: the UI's own {@link MetricsStore} (the default) or a running Prometheus
 * ({@link PrometheusSource}). Both answer the same {@link PromQuery} shapes as a range query does.
 */
interface MetricsSource {

    /** The points of a range query: {@code start}, {@code start + step}, ... ({@code points} of them). */
    record Range(long startMillis, long stepMillis, int points) {
        long at(int i) {
            return startMillis + i * stepMillis;
        }

        long endMillis() {
            return at(points - 1);
        }
    }

    /**
     * The query's value at each point of the range, one array per label set of its {@code by} labels; NaN where the
     * query has no value at that point (no samples, 0/0).
     *
     * @param rateMillis the range of the query's {@code rate()}
     */
    Map<Map<String, String>, double[]> query(PromQuery query, Range range, long rateMillis);

    /** {@code meshbox} or {@code prometheus}, as the page says where its numbers come from. */
    String name();

    /** How often the proxies are scraped: Grafana's {@code $__rate_interval} is at least four of these. */
    long scrapeMillis();
}
