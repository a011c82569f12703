package dev.meshbox.scenarios;

import dev.meshbox.bookinfo.tcpecho.TcpEchoApp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A step's TCP traffic ({@code url: tcp://tcp-echo:9000}), as Istio's TCP tasks send it with {@code nc}: each
 * "request" is a connection of its own that sends one line (its request id) and reads one line back. From the ingress
 * the connection goes to the ingress gateway at the URL's port (the gateway listens on a TCP server's own port, 31400
 * as in Istio's task); from a workload with a sidecar, to the sidecar's outbound TCP listener, which binds the pod's
 * address at the service port (see the control plane's {@code L4Routes}); from one without, to a pod of the service.
 *
 * <p>A result is 200 when a line came back ({@code nc}'s "connection succeeded" with an answer) and 0 when the
 * connection was refused, reset or closed without one. The tcp-echo workload's answer names its version by its prefix
 * ({@code one} v1, {@code two} v2): it is kept under {@link #VERSION} so {@code versionShare} counts TCP connections
 * as it counts requests (TCP access log lines carry no request id).
 */
public final class TcpTraffic {

    /** The result header holding the version the answer's prefix names. */
    public static final String VERSION = "x-meshbox-tcp-echo-version";

    private static final int TIMEOUT_MS = 10_000;

    private TcpTraffic() {}

    /** Null when {@code url} is {@code tcp://HOST:PORT}, else what is wrong with it. */
    public static String check(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "not a URL: " + e.getMessage();
        }
        if (u.getHost() == null || u.getPort() < 1 || u.getPort() > 65535) {
            return "must be tcp://SERVICE:PORT, got \"" + url + "\"";
        }
        if (u.getRawPath() != null
                && !u.getRawPath().isEmpty()
                && !u.getRawPath().equals("/")) {
            return "a TCP URL has no path (tcp://SERVICE:PORT), got \"" + u.getRawPath() + "\"";
        }
        return null;
    }

    static List<TrafficDriver.Result> send(
            Scenario.Traffic t, InetSocketAddress address, String runId, IntConsumer progress)
            throws InterruptedException {
        List<TrafficDriver.Result> results = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(t.concurrency(), r -> {
            Thread th = new Thread(r, "meshbox-tcp-traffic");
            th.setDaemon(true);
            return th;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < t.concurrency(); w++) {
                workers.add(pool.submit(() -> {
                    for (int n = next.getAndIncrement(); n < t.count(); n = next.getAndIncrement()) {
                        results.add(exchange(address, runId + "-" + n));
                        progress.accept(done.incrementAndGet());
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("TCP traffic worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<TrafficDriver.Result> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> Integer.compare(seq(a.requestId()), seq(b.requestId())));
        return sorted;
    }

    /** One connection: the id as a line out, one line back. */
    static TrafficDriver.Result exchange(InetSocketAddress address, String id) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(address, TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            s.getOutputStream().write((id + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            String line =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                return new TrafficDriver.Result(
                        id, TrafficDriver.NO_RESPONSE, System.nanoTime() - start, "connection closed", Map.of(), "");
            }
            String version = TcpEchoApp.versionOf(line);
            return new TrafficDriver.Result(
                    id,
                    200,
                    System.nanoTime() - start,
                    null,
                    version == null ? Map.of() : Map.of(VERSION, version),
                    line);
        } catch (IOException e) {
            return new TrafficDriver.Result(
                    id, TrafficDriver.NO_RESPONSE, System.nanoTime() - start, e.toString(), Map.of(), "");
        }
    }

    private static int seq(String requestId) {
        return Integer.parseInt(requestId.substring(requestId.lastIndexOf('-') + 1));
    }
}
