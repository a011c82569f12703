package dev.meshbox.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop gRPC load generator with a fixed duration and concurrency, the gRPC counterpart of {@code wrk} and
 * {@code h2load}: {@code --concurrency} unary calls of {@code meshbox.bench.Fast/Call} in flight over
 * {@code --connections} channels (HTTP/2 connections), each call followed at once by the next. Runs {@code --warmup}
 * seconds unrecorded, then {@code --duration} seconds, and prints one JSON line: calls, calls per second, errors and
 * the latency percentiles (ms) of the recorded calls. {@code --watch name=pid} adds the CPU seconds that process used
 * during the recorded window ({@code processes}), as {@link OpenLoopLoad} does.
 *
 * <pre>
 * GrpcLoad --target 127.253.0.1:15001 --authority fast-grpc:7070 --concurrency 64 --connections 4 \
 *          --warmup 5 --duration 15 --body 1024
 * </pre>
 */
public final class GrpcLoad {

    private GrpcLoad() {}

    public static void main(String[] argv) throws InterruptedException {
        Map<String, String> a = Args.parse(argv);
        String[] watched = a.getOrDefault("--watch", "").split("=");
        ProcStats watch = watched.length == 2 ? new ProcStats(List.of(Long.parseLong(watched[1]))) : null;
        String[] target = a.get("--target").split(":");
        String authority = a.getOrDefault("--authority", a.get("--target"));
        int concurrency = Integer.parseInt(a.getOrDefault("--concurrency", "64"));
        int connections = Integer.parseInt(a.getOrDefault("--connections", "4"));
        double warmup = Double.parseDouble(a.getOrDefault("--warmup", "5"));
        double duration = Double.parseDouble(a.getOrDefault("--duration", "15"));
        int body = Integer.parseInt(a.getOrDefault("--body", "1024"));
        BytesValue request = BytesValue.of(ByteString.copyFrom(new byte[body]));
        InetSocketAddress address = new InetSocketAddress(target[0], Integer.parseInt(target[1]));
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            channels.add(GrpcBench.channel(address, authority));
        }
        try {
            // Every channel answers once before the clock starts, so connecting is not measured.
            for (ManagedChannel c : channels) {
                GrpcBench.call(c, request);
            }
            Run warm = run(channels, request, concurrency, warmup);
            double cpuBefore = watch == null ? 0 : watch.cpuSeconds();
            Run measured = run(channels, request, concurrency, duration);
            String processes = "";
            if (watch != null) {
                double cpu = watch.cpuSeconds() - cpuBefore;
                processes = String.format(
                        Locale.ROOT,
                        ", \"processes\": {\"%s\": {\"cpuSeconds\": %.2f, \"cpuSecondsPer1000Requests\": %.4f}}",
                        watched[0],
                        cpu,
                        cpu / (measured.calls() / 1000.0));
            }
            var h = measured.latencies().getIntervalHistogram();
            System.out.printf(
                    Locale.ROOT,
                    "{\"calls\": %d, \"callsPerSecond\": %.1f, \"errors\": %d, \"warmupCalls\": %d, \"concurrency\": %d,"
                            + " \"connections\": %d, \"seconds\": %.3f, \"latencyMs\": {\"p50\": %.3f, \"p90\": %.3f,"
                            + " \"p99\": %.3f, \"max\": %.3f}%s}%n",
                    measured.calls(),
                    measured.calls() / measured.seconds(),
                    measured.errors(),
                    warm.calls(),
                    concurrency,
                    connections,
                    measured.seconds(),
                    h.getValueAtPercentile(50) / 1e6,
                    h.getValueAtPercentile(90) / 1e6,
                    h.getValueAtPercentile(99) / 1e6,
                    h.getMaxValue() / 1e6,
                    processes);
        } finally {
            for (ManagedChannel c : channels) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private record Run(long calls, long errors, double seconds, Recorder latencies) {}

    /** {@code concurrency} loops of calls for {@code seconds}; each loop issues its next call when one completes. */
    private static Run run(List<ManagedChannel> channels, BytesValue request, int concurrency, double seconds)
            throws InterruptedException {
        Recorder latencies = new Recorder(3);
        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            ManagedChannel channel = channels.get(i % channels.size());
            new Object() {
                void next() {
                    long sent = System.nanoTime();
                    if (sent >= end) {
                        done.countDown();
                        return;
                    }
                    ClientCalls.asyncUnaryCall(
                            channel.newCall(GrpcBench.CALL, CallOptions.DEFAULT), request, new StreamObserver<>() {
                                @Override
                                public void onNext(BytesValue value) {}

                                @Override
                                public void onError(Throwable t) {
                                    errors.incrementAndGet();
                                    next();
                                }

                                @Override
                                public void onCompleted() {
                                    latencies.recordValue(System.nanoTime() - sent);
                                    calls.incrementAndGet();
                                    next();
                                }
                            });
                }
            }.next();
        }
        if (!done.await((long) (seconds + 30), TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls still in flight 30 s after the end");
        }
        return new Run(calls.get(), errors.get(), (System.nanoTime() - start) / 1e9, latencies);
    }
}
