package dev.meshbox.proxy.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Envoy's Zipkin reporter: spans queue in a bounded buffer and one background thread posts them in batches as Zipkin
 * v2 JSON ({@code POST <collector_endpoint>}) to an endpoint of the collector cluster, which it resolves through the
 * proxy's own clusters (the provider's {@code outbound|9411||zipkin...}). A batch goes when it holds
 * {@link #MIN_FLUSH_SPANS} spans or no span came for {@link #FLUSH_INTERVAL}. Reporting never touches a request:
 * {@link #report} only offers to the queue; when it is full, or the collector is unknown, unreachable or refuses,
 * the spans are dropped and counted ({@link #stats}, Envoy's {@code tracing.zipkin.*} counters).
 */
public final class ZipkinReporter implements SpanReporter, AutoCloseable {

    /** Envoy's {@code min_flush_spans} default. */
    static final int MIN_FLUSH_SPANS = 5;
    /** Shorter than Envoy's 5 s {@code flush_interval}, so that a trace shows in Zipkin about a second after. */
    static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

    static final int QUEUE = 4096;
    static final int MAX_BATCH = 200;

    private record Pending(String cluster, String endpoint, Span span) {}

    private final Function<String, InetSocketAddress> collectors;
    private final Duration timeout;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicBoolean started = new AtomicBoolean();
    private final String threadName;
    private volatile Thread thread;
    private volatile boolean closed;

    private final LongAdder spansSent = new LongAdder();
    private final LongAdder spansDropped = new LongAdder();
    private final LongAdder reportsSent = new LongAdder();
    private final LongAdder reportsDropped = new LongAdder();
    private final LongAdder reportsFailed = new LongAdder();
    private final LongAdder noCluster = new LongAdder();

    /**
     * @param collectors an endpoint of the named cluster, or null when the proxy has no such cluster or no endpoint
     * @param timeout how long one post may take before the batch counts as failed (Envoy's is 5 s)
     */
    public ZipkinReporter(Function<String, InetSocketAddress> collectors, Duration timeout, String threadName) {
        this.collectors = collectors;
        this.timeout = timeout;
        this.threadName = threadName;
    }

    @Override
    public void report(String collectorCluster, String collectorEndpoint, Span span) {
        if (closed) {
            return;
        }
        if (started.compareAndSet(false, true)) {
            Thread t = new Thread(this::run, threadName);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        if (!queue.offer(new Pending(collectorCluster, collectorEndpoint, span))) {
            spansDropped.increment();
        }
    }

    /** Envoy's counters: {@code tracing.zipkin.spans_sent}, {@code reports_sent}, {@code reports_dropped}, ... */
    @Override
    public Map<String, Long> stats() {
        Map<String, Long> out = new TreeMap<>();
        out.put("tracing.zipkin.spans_sent", spansSent.sum());
        out.put("tracing.zipkin.spans_dropped", spansDropped.sum());
        out.put("tracing.zipkin.reports_sent", reportsSent.sum());
        out.put("tracing.zipkin.reports_dropped", reportsDropped.sum());
        out.put("tracing.zipkin.reports_failed", reportsFailed.sum());
        out.put("tracing.zipkin.reports_skipped_no_cluster", noCluster.sum());
        return out;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                while (batch.size() < MIN_FLUSH_SPANS) {
                    Pending next = queue.poll(FLUSH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                queue.drainTo(batch, MAX_BATCH - batch.size());
                flush(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                spansDropped.add(batch.size());
                batch.clear();
            }
        }
    }

    private void flush(List<Pending> batch) {
        Map<List<String>, List<Span>> byCollector = new LinkedHashMap<>();
        for (Pending p : batch) {
            byCollector
                    .computeIfAbsent(List.of(p.cluster(), p.endpoint()), k -> new ArrayList<>())
                    .add(p.span());
        }
        byCollector.forEach((where, spans) -> post(where.get(0), where.get(1), spans));
    }

    private void post(String cluster, String endpoint, List<Span> spans) {
        InetSocketAddress address = collectors.apply(cluster);
        if (address == null) {
            noCluster.increment();
            spansDropped.add(spans.size());
            return;
        }
        byte[] body = Span.toJson(spans).getBytes(StandardCharsets.UTF_8);
        HttpURLConnection c = null;
        try {
            URI uri = new URI("http", null, address.getHostString(), address.getPort(), endpoint, null, null);
            c = (HttpURLConnection) uri.toURL().openConnection(java.net.Proxy.NO_PROXY);
            c.setConnectTimeout((int) timeout.toMillis());
            c.setReadTimeout((int) timeout.toMillis());
            c.setDoOutput(true);
            c.setRequestMethod("POST");
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            if (status >= 200 && status < 300) {
                reportsSent.increment();
                spansSent.add(spans.size());
            } else {
                reportsDropped.increment();
                spansDropped.add(spans.size());
            }
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            reportsFailed.increment();
            spansDropped.add(spans.size());
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
