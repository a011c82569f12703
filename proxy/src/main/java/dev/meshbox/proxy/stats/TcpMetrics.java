package dev.meshbox.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's TCP metrics for one proxy, one series per label set: {@code istio_tcp_connections_opened_total},
 * {@code istio_tcp_connections_closed_total}, {@code istio_tcp_sent_bytes_total} and
 * {@code istio_tcp_received_bytes_total}, with {@code request_protocol="tcp"}. The proxy's own side of a connection
 * is labelled from its workload (the source when it reports as {@code source}, the destination as
 * {@code destination}); the peer's side is {@code unknown}, as TCP carries no metadata exchange here.
 */
public final class TcpMetrics {

    private static final class Series {
        final LongAdder opened = new LongAdder();
        final LongAdder closed = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder received = new LongAdder();
    }

    private final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();

    /**
     * The label text of a connection reported by {@code self}: {@code outbound} connections report as source, the
     * others as destination; {@code cluster} is Istio's {@code outbound|port|subset|fqdn}, the SNI passthrough's
     * {@code outbound_.port_.subset_.fqdn}, or an inbound cluster.
     */
    public static String labels(Workload self, boolean outbound, String cluster, String responseFlags) {
        String fqdn = "unknown";
        if (cluster != null && cluster.startsWith("outbound|")) {
            String[] parts = cluster.split("\\|", -1);
            fqdn = parts.length == 4 ? parts[3] : "unknown";
        } else if (cluster != null && cluster.startsWith("outbound_.")) {
            // SNI passthrough (an east-west gateway's AUTO_PASSTHROUGH): Istio's DNS-SRV style
            // outbound_.PORT_.SUBSET_.FQDN
            String[] parts = cluster.split("_\\.", 4);
            fqdn = parts.length == 4 && !parts[3].isEmpty() ? parts[3] : "unknown";
        } else if (!outbound && self.name() != null) {
            fqdn = self.app() + "." + self.namespace() + ".svc.cluster.local";
        }
        String[] name = fqdn.split("\\.");
        String serviceName = fqdn.equals("unknown") ? "unknown" : name[0];
        String serviceNamespace = fqdn.endsWith(".svc.cluster.local") && name.length > 1 ? name[1] : "unknown";
        String reporter = outbound ? "source" : "destination";
        String src = outbound ? value(self.name()) : "unknown";
        String srcNs = outbound ? value(self.namespace()) : "unknown";
        String dst = outbound ? "unknown" : value(self.name());
        String dstNs = outbound ? "unknown" : value(self.namespace());
        String srcCluster = outbound ? value(self.cluster()) : "unknown";
        String dstCluster = outbound ? "unknown" : value(self.cluster());
        return "reporter=\"" + reporter + "\",source_workload=\"" + src + "\",source_workload_namespace=\"" + srcNs
                + "\",source_cluster=\"" + srcCluster
                + "\",destination_workload=\"" + dst + "\",destination_workload_namespace=\"" + dstNs
                + "\",destination_service=\"" + fqdn + "\",destination_service_name=\"" + serviceName
                + "\",destination_service_namespace=\"" + serviceNamespace + "\",destination_cluster=\"" + dstCluster
                + "\",request_protocol=\"tcp\""
                + ",response_flags=\"" + (responseFlags == null ? "-" : responseFlags) + "\"";
    }

    private static String value(String s) {
        return s == null || s.isEmpty() ? "unknown" : s;
    }

    /** A connection opened (proxied to an upstream). */
    public void opened(String labels) {
        series(labels).opened.increment();
    }

    /** A connection closed, with the bytes it carried each way. */
    public void closed(String labels, long sentBytes, long receivedBytes) {
        Series s = series(labels);
        s.closed.increment();
        s.sent.add(sentBytes);
        s.received.add(receivedBytes);
    }

    private Series series(String labels) {
        Series s = series.get(labels);
        return s != null ? s : series.computeIfAbsent(labels, k -> new Series());
    }

    /** Appends the four counters in the Prometheus text format, series sorted. */
    void render(StringBuilder out) {
        Map<String, Series> sorted = new TreeMap<>(series);
        counter(out, "istio_tcp_connections_opened_total", sorted, s -> s.opened.sum());
        counter(out, "istio_tcp_connections_closed_total", sorted, s -> s.closed.sum());
        counter(out, "istio_tcp_sent_bytes_total", sorted, s -> s.sent.sum());
        counter(out, "istio_tcp_received_bytes_total", sorted, s -> s.received.sum());
    }

    private static void counter(
            StringBuilder out, String name, Map<String, Series> sorted, java.util.function.ToLongFunction<Series> v) {
        if (sorted.isEmpty()) {
            return;
        }
        out.append("# TYPE ").append(name).append(" counter\n");
        sorted.forEach((labels, s) -> out.append(name)
                .append('{')
                .append(labels)
                .append("} ")
                .append(v.applyAsLong(s))
                .append('\n'));
    }
}
