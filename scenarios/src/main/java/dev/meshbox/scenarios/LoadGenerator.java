package dev.meshbox.scenarios;

import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.Http1Request;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fortio-like load client: {@code connections} keep-alive connections share {@code calls} requests, each connection
 * sending its next request when the previous one answered, at most {@code qps} per second in all (0 = as fast as
 * possible). Prints per-code counts and latency percentiles the way fortio does.
 */
public final class LoadGenerator {

    /** What a run measured. */
    public record Result(
            int calls, double seconds, List<Long> latenciesNanos, Map<Integer, Integer> codes, String firstError) {}

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private LoadGenerator() {}

    public static Result run(InetSocketAddress target, String host, String path, int connections, int calls, double qps)
            throws InterruptedException {
        List<Long> latencies = new ArrayList<>();
        Map<Integer, Integer> codes = new TreeMap<>();
        String[] firstError = {null};
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(connections);
        long start = System.nanoTime();
        long intervalNanos = qps > 0 ? (long) (1e9 / qps) : 0;
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(
                    () -> {
                        try (Http1Client conn = Http1Client.keepAlive(target)) {
                            Http1Request request =
                                    Http1Request.get(host, path).withHeader("user-agent", "meshbox-load");
                            for (int n = next.getAndIncrement(); n < calls; n = next.getAndIncrement()) {
                                if (intervalNanos > 0) {
                                    long due = start + n * intervalNanos;
                                    long wait = due - System.nanoTime();
                                    if (wait > 0) {
                                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                    }
                                }
                                int code;
                                long nanos;
                                long sent = System.nanoTime();
                                try {
                                    code = conn.send(request, TIMEOUT).status();
                                    nanos = System.nanoTime() - sent;
                                } catch (IOException e) {
                                    code = -1;
                                    nanos = 0;
                                    synchronized (firstError) {
                                        if (firstError[0] == null) {
                                            firstError[0] = e.getMessage();
                                        }
                                    }
                                }
                                synchronized (codes) {
                                    codes.merge(code, 1, Integer::sum);
                                    if (code > 0) {
                                        latencies.add(nanos);
                                    }
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    },
                    "meshbox-load-" + c);
            t.setDaemon(true);
            t.start();
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        latencies.sort(Long::compare);
        return new Result(calls, seconds, List.copyOf(latencies), Map.copyOf(new TreeMap<>(codes)), firstError[0]);
    }

    /** fortio's summary: timing, percentiles in seconds, and one line per code with its share. */
    public static void print(PrintStream out, Result r, String url, int connections, double qps) {
        out.printf(
                Locale.ROOT,
                "MeshBox load running at %s queries per second, for %d calls: %s%n",
                qps > 0 ? Evaluator.fmt(qps) : "0 (max)",
                r.calls(),
                url);
        out.printf(
                Locale.ROOT,
                "Starting at %s with %d connection(s) for exactly %d calls (%d per connection + %d)%n",
                qps > 0 ? "qps " + Evaluator.fmt(qps) : "max qps",
                connections,
                r.calls(),
                r.calls() / connections,
                r.calls() % connections);
        out.printf(
                Locale.ROOT,
                "Ended after %.1f ms : %d calls. qps=%.1f%n",
                r.seconds() * 1000,
                r.calls(),
                r.calls() / r.seconds());
        List<Long> l = r.latenciesNanos();
        if (!l.isEmpty()) {
            double sum = 0;
            for (long v : l) {
                sum += v / 1e9;
            }
            double avg = sum / l.size();
            double var = 0;
            for (long v : l) {
                var += Math.pow(v / 1e9 - avg, 2);
            }
            out.printf(
                    Locale.ROOT,
                    "Aggregated Function Time : count %d avg %.6f +/- %.4g min %.6f max %.6f sum %.3f%n",
                    l.size(),
                    avg,
                    Math.sqrt(var / l.size()),
                    l.get(0) / 1e9,
                    l.get(l.size() - 1) / 1e9,
                    sum);
            for (double p : new double[] {50, 75, 90, 99, 99.9}) {
                int idx = Math.max(0, Math.min(l.size() - 1, (int) Math.ceil(p / 100 * l.size()) - 1));
                out.printf(
                        Locale.ROOT,
                        "# target %s%% %.6f%n",
                        Evaluator.fmt(p).replaceAll("\\.0$", ""),
                        l.get(idx) / 1e9);
            }
        }
        r.codes()
                .forEach((code, n) -> out.printf(
                        Locale.ROOT,
                        "Code %s : %d (%.1f %%)%n",
                        code < 0 ? "-1 (connection error)" : code.toString(),
                        n,
                        100.0 * n / r.calls()));
        if (r.firstError() != null) {
            out.println("First error: " + r.firstError());
        }
    }
}
