package dev.meshbox.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard HTTP metrics for one proxy: {@code istio_requests_total} and the duration, request-size and
 * response-size histograms, one series per label set. Recording is lock-free; rendering reads a moment's sums.
 */
public final class IstioMetrics {

    /** Envoy's default histogram buckets, which Istio's duration histogram uses. */
    static final double[] BUCKETS = {
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000
    };

    static final class Histogram {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder sum = new LongAdder();
        final LongAdder count = new LongAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void record(long value) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (value <= BUCKETS[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            sum.add(value);
            count.increment();
        }
    }

    static final class Series {
        final LongAdder requests = new LongAdder();
        final Histogram duration = new Histogram();
        final Histogram requestBytes = new Histogram();
        final Histogram responseBytes = new Histogram();
    }

    private final ConcurrentHashMap<RequestLabels, Series> series = new ConcurrentHashMap<>();
    private final TcpMetrics tcp = new TcpMetrics();

    /** Istio's TCP metrics of the same proxy. */
    public TcpMetrics tcp() {
        return tcp;
    }

    public void record(RequestLabels labels, long durationMs, long requestBytes, long responseBytes) {
        Series s = series.get(labels);
        if (s == null) {
            s = series.computeIfAbsent(labels, k -> new Series());
        }
        s.requests.increment();
        s.duration.record(durationMs);
        s.requestBytes.record(requestBytes);
        s.responseBytes.record(responseBytes);
    }

    /** The number of requests recorded with exactly these labels (for tests and the UI). */
    public long requests(RequestLabels labels) {
        Series s = series.get(labels);
        return s == null ? 0 : s.requests.sum();
    }

    /** Series by their rendered label text, sorted, so the output is stable. */
    Map<String, Series> sorted() {
        Map<String, Series> out = new TreeMap<>();
        series.forEach((k, v) -> out.put(k.render(), v));
        return out;
    }
}
