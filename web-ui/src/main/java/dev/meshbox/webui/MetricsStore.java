package dev.meshbox.webui;

import dev.meshbox.controlplane.registry.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Prometheus of its own: every proxy's {@code /stats/prometheus} (port 15090) read every
 * {@link #scrapeMillis()}, Istio's request and TCP metrics kept in ring buffers of {@code retention / interval}
 * readings (15 minutes at 5 s: 180 numbers per series, a series gone for the whole retention is forgotten), and the
 * dashboards' {@link PromQuery} shapes evaluated over them with Prometheus's own arithmetic ({@link PromMath}). Each
 * proxy's series carry its pod as {@code instance}, as Prometheus's scrape adds it, so two proxies' counters are never
 * summed before their rates are taken.
 */
final class MetricsStore implements MetricsSource, AutoCloseable {

    static final Set<String> METRICS = Set.of(
            "istio_requests_total",
            "istio_request_duration_milliseconds_bucket",
            "istio_tcp_sent_bytes_total",
            "istio_tcp_received_bytes_total",
            "istio_tcp_connections_opened_total",
            "istio_tcp_connections_closed_total");

    /** The labels the dashboards group or filter by; the others are dropped to keep the store small. */
    static final Set<String> LABELS = Set.of(
            "instance",
            "reporter",
            "source_workload",
            "source_workload_namespace",
            "source_app",
            "source_version",
            "destination_service",
            "destination_service_name",
            "destination_service_namespace",
            "destination_workload",
            "destination_workload_namespace",
            "destination_app",
            "destination_version",
            "response_code",
            "response_flags",
            "request_protocol",
            "connection_security_policy",
            "le");

    private static final Logger LOG = LoggerFactory.getLogger(MetricsStore.class);

    record SeriesKey(String metric, Map<String, String> labels) {}

    private final long scrapeMillis;
    private final int capacity;
    private final long[] times;
    private int size;
    private int next;
    private final Map<SeriesKey, double[]> series = new HashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meshbox-ui-metrics");
        t.setDaemon(true);
        return t;
    });

    MetricsStore(long scrapeMillis, long retentionMillis) {
        this.scrapeMillis = scrapeMillis;
        this.capacity = (int) Math.max(2, retentionMillis / scrapeMillis);
        this.times = new long[capacity];
    }

    /** Scrapes {@code mesh}'s proxies every interval from now on; a proxy that does not answer is skipped. */
    void start(UiMesh mesh) {
        Supplier<Map<String, String>> read = () -> {
            Map<String, String> texts = new LinkedHashMap<>();
            for (Pod p : mesh.pods()) {
                try {
                    texts.put(p.name(), mesh.prometheus(p));
                } catch (RuntimeException e) {
                    LOG.debug("metrics not readable from {}: {}", p.name(), e.getMessage());
                }
            }
            return texts;
        };
        poller.scheduleWithFixedDelay(
                () -> {
                    try {
                        add(System.currentTimeMillis(), read.get());
                    } catch (RuntimeException e) {
                        LOG.warn("scraping the proxies failed", e);
                    }
                },
                scrapeMillis,
                scrapeMillis,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return "meshbox";
    }

    @Override
    public long scrapeMillis() {
        return scrapeMillis;
    }

    /** One reading of every proxy: its exposition text by pod name. */
    synchronized void add(long millis, Map<String, String> textByInstance) {
        int slot = next;
        times[slot] = millis;
        next = (next + 1) % capacity;
        size = Math.min(size + 1, capacity);
        for (double[] values : series.values()) {
            values[slot] = Double.NaN;
        }
        textByInstance.forEach((instance, text) -> {
            for (String line : text.split("\n")) {
                int end = metricEnd(line);
                if (end <= 0 || !METRICS.contains(line.substring(0, end))) {
                    continue;
                }
                String metric = line.substring(0, end);
                for (PrometheusText.Sample s : PrometheusText.samples(line, metric)) {
                    Map<String, String> labels = new TreeMap<>();
                    s.labels().forEach((k, v) -> {
                        if (LABELS.contains(k)) {
                            labels.put(k, v);
                        }
                    });
                    labels.put("instance", instance);
                    double[] values = series.computeIfAbsent(new SeriesKey(metric, Map.copyOf(labels)), k -> {
                        double[] fresh = new double[capacity];
                        java.util.Arrays.fill(fresh, Double.NaN);
                        return fresh;
                    });
                    values[slot] = Double.isNaN(values[slot]) ? s.value() : values[slot] + s.value();
                }
            }
        });
        if (size == capacity) {
            // A series with no value in the whole retention is gone (its proxy stopped or restarted).
            for (Iterator<double[]> it = series.values().iterator(); it.hasNext(); ) {
                if (java.util.Arrays.stream(it.next()).allMatch(Double::isNaN)) {
                    it.remove();
                }
            }
        }
    }

    private static int metricEnd(String line) {
        if (line.isEmpty() || line.charAt(0) == '#') {
            return -1;
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '{' || c == ' ') {
                return i;
            }
        }
        return -1;
    }

    /** How many series it holds now. */
    synchronized int seriesCount() {
        return series.size();
    }

    @Override
    public synchronized Map<Map<String, String>, double[]> query(PromQuery query, Range range, long rateMillis) {
        if (query instanceof PromQuery.SumRate q) {
            return sumRate(q, range, rateMillis);
        }
        if (query instanceof PromQuery.Quantile q) {
            return quantile(q, range, rateMillis);
        }
        return ratio((PromQuery.Ratio) query, range, rateMillis);
    }

    private Map<Map<String, String>, double[]> sumRate(PromQuery.SumRate q, Range range, long rateMillis) {
        Map<Map<String, String>, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<SeriesKey, double[]> e : series.entrySet()) {
            if (!e.getKey().metric().equals(q.selector().metric())
                    || !q.selector().matches(e.getKey().labels())) {
                continue;
            }
            List<PromMath.Point> points = points(e.getValue());
            Map<String, String> group = new TreeMap<>();
            for (String label : q.by()) {
                group.put(label, e.getKey().labels().getOrDefault(label, ""));
            }
            for (int i = 0; i < range.points(); i++) {
                java.util.OptionalDouble r = PromMath.rate(points, range.at(i), rateMillis);
                if (r.isPresent()) {
                    double[] sums = out.computeIfAbsent(Map.copyOf(group), k -> nan(range.points()));
                    sums[i] = Double.isNaN(sums[i]) ? r.getAsDouble() : sums[i] + r.getAsDouble();
                }
            }
        }
        return out;
    }

    private Map<Map<String, String>, double[]> quantile(PromQuery.Quantile q, Range range, long rateMillis) {
        Map<Map<String, String>, double[]> byBucket = sumRate(q.bucketRates(), range, rateMillis);
        Map<Map<String, String>, List<Map.Entry<Double, double[]>>> groups = new LinkedHashMap<>();
        byBucket.forEach((labels, values) -> {
            Map<String, String> group = new TreeMap<>(labels);
            String le = group.remove("le");
            double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            groups.computeIfAbsent(Map.copyOf(group), k -> new ArrayList<>()).add(Map.entry(bound, values));
        });
        Map<Map<String, String>, double[]> out = new LinkedHashMap<>();
        groups.forEach((labels, buckets) -> {
            double[] values = nan(range.points());
            for (int i = 0; i < range.points(); i++) {
                List<PromMath.Bucket> at = new ArrayList<>();
                for (Map.Entry<Double, double[]> b : buckets) {
                    if (!Double.isNaN(b.getValue()[i])) {
                        at.add(new PromMath.Bucket(b.getKey(), b.getValue()[i]));
                    }
                }
                values[i] = at.isEmpty() ? Double.NaN : PromMath.histogramQuantile(q.q(), at);
            }
            out.put(labels, values);
        });
        return out;
    }

    private Map<Map<String, String>, double[]> ratio(PromQuery.Ratio q, Range range, long rateMillis) {
        Map<Map<String, String>, double[]> num = sumRate(q.numerator(), range, rateMillis);
        Map<Map<String, String>, double[]> den = sumRate(q.denominator(), range, rateMillis);
        Map<Map<String, String>, double[]> out = new LinkedHashMap<>();
        num.forEach((labels, n) -> {
            double[] d = den.get(labels);
            if (d != null) {
                double[] values = nan(range.points());
                for (int i = 0; i < values.length; i++) {
                    values[i] = n[i] / d[i];
                }
                out.put(labels, values);
            }
        });
        return out;
    }

    /** A series' readings, oldest first. */
    private List<PromMath.Point> points(double[] values) {
        List<PromMath.Point> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int slot = (next - size + i + capacity) % capacity;
            if (!Double.isNaN(values[slot])) {
                out.add(new PromMath.Point(times[slot], values[slot]));
            }
        }
        return out;
    }

    private static double[] nan(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
