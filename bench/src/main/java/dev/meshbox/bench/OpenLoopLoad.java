package dev.meshbox.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A fixed-rate (open-loop) HTTP load generator that corrects for coordinated omission, as wrk2 does: request
 * {@code i} is due at {@code start + i / rate}, and its latency is measured from that due time, not from when a
 * connection got round to sending it. A slow response therefore counts for every request that had to wait behind
 * it. Debian has no fixed-rate tool with percentiles (wrk2, fortio and vegeta are not packaged), hence this one.
 *
 * <p>{@code --connections} threads each own one keep-alive connection and take the next due request when free.
 * {@code --watch name=pid[,pid...]} reports the CPU seconds those processes used during the measured window, per
 * 1000 requests, and their resident memory. Prints one JSON object (and writes it to {@code --out}).
 *
 * <pre>java -cp meshbox-bench.jar dev.meshbox.bench.OpenLoopLoad --url http://127.253.0.1:15001/ --host fast:9080
 *     --rate 1000 --warmup 5 --duration 30 --body 1024 --watch client-sidecar=1234</pre>
 */
public final class OpenLoopLoad {

    record Options(
            URI url,
            String host,
            int rate,
            int warmupSeconds,
            int durationSeconds,
            int connections,
            int bodyBytes,
            Map<String, ProcStats> watch,
            Path out) {}

    private OpenLoopLoad() {}

    public static void main(String[] argv) throws Exception {
        Options o = parse(argv);
        Map<String, Object> result = run(o);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (o.out() != null) {
            json.writeValue(o.out().toFile(), result);
        }
        System.out.println(json.writeValueAsString(result));
    }

    static Options parse(String[] argv) {
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, ProcStats> watch = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (argv[i].equals("--watch")) {
                String[] kv = argv[i + 1].split("=", 2);
                watch.put(
                        kv[0],
                        new ProcStats(Arrays.stream(kv[1].split(","))
                                .map(Long::parseLong)
                                .toList()));
            } else {
                a.put(argv[i], argv[i + 1]);
            }
        }
        if (!a.containsKey("--url")) {
            throw new IllegalArgumentException("--url: required, e.g. http://127.0.0.1:8080/");
        }
        URI url = URI.create(a.get("--url"));
        return new Options(
                url,
                a.getOrDefault("--host", url.getHost() + ":" + url.getPort()),
                Integer.parseInt(a.getOrDefault("--rate", "1000")),
                Integer.parseInt(a.getOrDefault("--warmup", "5")),
                Integer.parseInt(a.getOrDefault("--duration", "30")),
                Integer.parseInt(a.getOrDefault("--connections", "16")),
                Integer.parseInt(a.getOrDefault("--body", "1024")),
                watch,
                a.containsKey("--out") ? Path.of(a.get("--out")) : null);
    }

    static byte[] request(Options o) {
        String path = o.url().getRawPath() == null || o.url().getRawPath().isEmpty()
                ? "/"
                : o.url().getRawPath();
        String head = (o.bodyBytes() > 0 ? "POST " : "GET ") + path + " HTTP/1.1\r\nHost: " + o.host()
                + "\r\nUser-Agent: meshbox-openloop\r\n"
                + (o.bodyBytes() > 0 ? "Content-Type: text/plain\r\nContent-Length: " + o.bodyBytes() + "\r\n" : "")
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(h, h.length + o.bodyBytes());
        Arrays.fill(out, h.length, out.length, (byte) 'y');
        return out;
    }

    /** One phase at the fixed rate; returns the histograms of latency from the due time and from the send. */
    private static final class Phase {
        final Recorder corrected = new Recorder(3);
        final Recorder service = new Recorder(3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong statusErrors = new AtomicLong();
        final AtomicLong next = new AtomicLong();
        final List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
        final long start;
        final long count;
        final long periodNanos;

        Phase(long start, long count, int rate) {
            this.start = start;
            this.count = count;
            this.periodNanos = 1_000_000_000L / rate;
        }
    }

    static Map<String, Object> run(Options o) throws InterruptedException {
        InetSocketAddress target =
                new InetSocketAddress(o.url().getHost(), o.url().getPort());
        byte[] request = request(o);
        if (o.warmupSeconds() > 0) {
            drive(o, target, request, (long) o.rate() * o.warmupSeconds());
        }
        Map<String, double[]> cpuBefore = new LinkedHashMap<>();
        o.watch().forEach((name, p) -> cpuBefore.put(name, new double[] {p.cpuSeconds()}));
        long t0 = System.nanoTime();
        Phase measured = drive(o, target, request, (long) o.rate() * o.durationSeconds());
        double seconds = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("url", o.url().toString());
        out.put("host", o.host());
        out.put("rate", o.rate());
        out.put("connections", o.connections());
        out.put("bodyBytes", o.bodyBytes());
        out.put("warmupSeconds", o.warmupSeconds());
        out.put("seconds", seconds);
        long sent = measured.count;
        out.put("requests", sent);
        out.put("ok", measured.ok.get());
        out.put("errors", measured.errors.get());
        out.put("non2xx", measured.statusErrors.get());
        out.put("lost", sent - measured.ok.get());
        out.put("achievedRate", measured.ok.get() / seconds);
        out.put("errorSamples", List.copyOf(measured.errorSamples));
        out.put("latencyMs", percentiles(measured.corrected.getIntervalHistogram()));
        out.put("serviceTimeMs", percentiles(measured.service.getIntervalHistogram()));
        Map<String, Object> procs = new LinkedHashMap<>();
        o.watch().forEach((name, p) -> {
            double cpu = p.cpuSeconds() - cpuBefore.get(name)[0];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pids", p.pids());
            m.put("cpuSeconds", cpu);
            m.put("cpuSecondsPer1000Requests", cpu / (sent / 1000.0));
            m.put("vcpu", cpu / seconds);
            m.put("rssKb", p.rssKb());
            m.put("peakRssKb", p.peakRssKb());
            procs.put(name, m);
        });
        out.put("processes", procs);
        return out;
    }

    private static Phase drive(Options o, InetSocketAddress target, byte[] request, long count)
            throws InterruptedException {
        Phase phase = new Phase(System.nanoTime() + 20_000_000L, count, o.rate());
        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < o.connections(); c++) {
            Thread t = new Thread(() -> work(phase, target, request), "openloop-" + c);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        return phase;
    }

    private static void work(Phase phase, InetSocketAddress target, byte[] request) {
        HttpClientConnection conn = null;
        try {
            while (true) {
                long i = phase.next.getAndIncrement();
                if (i >= phase.count) {
                    return;
                }
                long due = phase.start + i * phase.periodNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                long sent = System.nanoTime();
                try {
                    if (conn == null) {
                        conn = new HttpClientConnection(target);
                    }
                    int status = conn.exchange(request);
                    long end = System.nanoTime();
                    if (status >= 200 && status < 300) {
                        phase.ok.incrementAndGet();
                    } else {
                        phase.statusErrors.incrementAndGet();
                        sample(phase, "status " + status);
                    }
                    phase.corrected.recordValue(Math.max(1, (end - due) / 1000));
                    phase.service.recordValue(Math.max(1, (end - sent) / 1000));
                    if (conn.closing()) {
                        conn.close();
                        conn = null;
                    }
                } catch (IOException | RuntimeException e) {
                    phase.errors.incrementAndGet();
                    sample(phase, e.toString());
                    if (conn != null) {
                        conn.close();
                        conn = null;
                    }
                }
            }
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
    }

    private static void sample(Phase phase, String what) {
        if (phase.errorSamples.size() < 5) {
            phase.errorSamples.add(what);
        }
    }

    /** p50 to max in milliseconds, from a histogram in microseconds. */
    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        for (double p : new double[] {50, 90, 99, 99.9}) {
            m.put(
                    "p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)),
                    h.getValueAtPercentile(p) / 1000.0);
        }
        m.put("max", h.getMaxValue() / 1000.0);
        m.put("mean", h.getMean() / 1000.0);
        return m;
    }
}
