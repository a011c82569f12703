package dev.meshbox.proxy.stats;

import dev.meshbox.proxy.cluster.ClusterStats;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import java.util.Map;
import java.util.TreeMap;

/** {@code GET /stats/prometheus} on port 15090: Istio's metrics and Envoy's cluster and HTTP stats, format 0.0.4. */
public final class PrometheusRenderer {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusRenderer() {}

    public static String render(
            IstioMetrics metrics, Map<String, UpstreamCluster> clusters, Map<String, Long> httpStats) {
        StringBuilder out = new StringBuilder(8192);
        Map<String, IstioMetrics.Series> series = metrics.sorted();
        out.append("# TYPE istio_requests_total counter\n");
        series.forEach((labels, s) -> out.append("istio_requests_total{")
                .append(labels)
                .append("} ")
                .append(s.requests.sum())
                .append('\n'));
        histogram(out, "istio_request_duration_milliseconds", series, 0);
        histogram(out, "istio_request_bytes", series, 1);
        histogram(out, "istio_response_bytes", series, 2);
        metrics.tcp().render(out);
        clusterStats(out, clusters);
        httpStats(out, httpStats);
        return out.toString();
    }

    private static void histogram(StringBuilder out, String name, Map<String, IstioMetrics.Series> series, int which) {
        out.append("# TYPE ").append(name).append(" histogram\n");
        series.forEach((labels, s) -> {
            IstioMetrics.Histogram h = which == 0 ? s.duration : which == 1 ? s.requestBytes : s.responseBytes;
            long cumulative = 0;
            for (int i = 0; i < IstioMetrics.BUCKETS.length; i++) {
                cumulative += h.buckets[i].sum();
                out.append(name)
                        .append("_bucket{")
                        .append(labels)
                        .append(",le=\"")
                        .append(le(IstioMetrics.BUCKETS[i]))
                        .append("\"} ")
                        .append(cumulative)
                        .append('\n');
            }
            long count = h.count.sum();
            out.append(name)
                    .append("_bucket{")
                    .append(labels)
                    .append(",le=\"+Inf\"} ")
                    .append(count)
                    .append('\n');
            out.append(name)
                    .append("_sum{")
                    .append(labels)
                    .append("} ")
                    .append(h.sum.sum())
                    .append('\n');
            out.append(name)
                    .append("_count{")
                    .append(labels)
                    .append("} ")
                    .append(count)
                    .append('\n');
        });
    }

    private static String le(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }

    /** {@code cluster.<name>.<stat>} becomes {@code envoy_cluster_<stat>{cluster_name="<name>"}}, as Envoy does. */
    private static void clusterStats(StringBuilder out, Map<String, UpstreamCluster> clusters) {
        Map<String, Map<String, Long>> byStat = new TreeMap<>();
        new TreeMap<>(clusters)
                .forEach((name, c) -> c.statsSnapshot()
                        .forEach((stat, value) -> byStat.computeIfAbsent(stat, k -> new TreeMap<>())
                                .put(name, value)));
        byStat.forEach((stat, values) -> {
            String metric = "envoy_cluster_" + sanitize(stat);
            out.append("# TYPE ").append(metric).append(ClusterStats.GAUGES.contains(stat) ? " gauge\n" : " counter\n");
            values.forEach((cluster, value) -> {
                StringBuilder labels = new StringBuilder();
                RequestLabels.add(labels, "cluster_name", cluster);
                out.append(metric)
                        .append('{')
                        .append(labels)
                        .append("} ")
                        .append(value)
                        .append('\n');
            });
        });
    }

    /** {@code http.<prefix>.<stat>} becomes {@code envoy_http_<stat>{http_conn_manager_prefix="<prefix>"}}. */
    private static void httpStats(StringBuilder out, Map<String, Long> stats) {
        Map<String, Map<String, Long>> byStat = new TreeMap<>();
        stats.forEach((key, value) -> {
            int last = key.lastIndexOf('.');
            if (!key.startsWith("http.") || last <= 5) {
                return;
            }
            byStat.computeIfAbsent(key.substring(last + 1), k -> new TreeMap<>())
                    .put(key.substring(5, last), value);
        });
        byStat.forEach((stat, values) -> {
            String metric = "envoy_http_" + sanitize(stat);
            out.append("# TYPE ").append(metric).append(" counter\n");
            values.forEach((prefix, value) -> {
                StringBuilder labels = new StringBuilder();
                RequestLabels.add(labels, "http_conn_manager_prefix", prefix);
                out.append(metric)
                        .append('{')
                        .append(labels)
                        .append("} ")
                        .append(value)
                        .append('\n');
            });
        });
    }

    private static String sanitize(String stat) {
        return stat.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
