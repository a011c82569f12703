package dev.meshbox.scenarios;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.grpcecho.GrpcEcho;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A step's gRPC traffic ({@code url: grpc://echo-grpc:7070/meshbox.echo.Echo/Say}): grpc-java unary calls to the
 * gRPC echo workload over the sender's sidecar, h2c with prior knowledge as a meshed gRPC client sends them, one
 * channel (one HTTP/2 connection) shared by {@code concurrency} callers. Each call carries its {@code x-request-id}
 * and the step's headers as metadata. A result's status is the HTTP status the call ended with as Envoy logs it (200,
 * also for a gRPC error, which is trailers-only), or 0 when no answer came; its {@code grpc-status} header holds the
 * gRPC status name and its body the reply.
 */
public final class GrpcTraffic {

    /** The one method gRPC traffic calls: the {@code grpc-echo} workload's. */
    public static final String METHOD = GrpcEcho.SAY.getFullMethodName();

    private GrpcTraffic() {}

    /** Null when {@code url} names the echo method on a host and port, else what is wrong with it. */
    public static String check(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "not a URL: " + e.getMessage();
        }
        if (u.getHost() == null || u.getPort() < 1) {
            return "must be grpc://SERVICE:PORT/" + METHOD + ", got \"" + url + "\"";
        }
        if (!("/" + METHOD).equals(u.getRawPath())) {
            return "the gRPC method must be /" + METHOD + " (the gRPC echo workload's), got \"" + u.getRawPath() + "\"";
        }
        return null;
    }

    static List<TrafficDriver.Result> send(
            Scenario.Traffic t, InetSocketAddress address, String runId, IntConsumer progress)
            throws InterruptedException {
        URI u = URI.create(t.url());
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        address.getHostString(), address.getPort(), InsecureChannelCredentials.create())
                .overrideAuthority(t.host().orElse(u.getHost() + ":" + u.getPort()))
                .build();
        return send(t, channel, runId, progress);
    }

    /**
     * The calls of a proxyless gRPC client: an {@code xds:///HOST:PORT} channel whose routing comes from the control
     * plane, straight to the chosen pods (no sidecar on the client's side). A step's {@code host} is ignored: the
     * target is the authority.
     */
    static List<TrafficDriver.Result> sendProxyless(
            Scenario.Traffic t, MeshAccess.ProxylessClient client, String runId, IntConsumer progress)
            throws InterruptedException {
        URI u = URI.create(t.url());
        ManagedChannel channel = ProxylessGrpcChannels.channel(
                        "xds:///" + u.getHost() + ":" + u.getPort(), client.bootstrap())
                .build();
        return send(t, channel, runId, progress);
    }

    private static List<TrafficDriver.Result> send(
            Scenario.Traffic t, ManagedChannel channel, String runId, IntConsumer progress)
            throws InterruptedException {
        List<TrafficDriver.Result> results = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(t.concurrency(), r -> {
            Thread th = new Thread(r, "meshbox-grpc-traffic");
            th.setDaemon(true);
            return th;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < t.concurrency(); w++) {
                workers.add(pool.submit(() -> {
                    for (int n = next.getAndIncrement(); n < t.count(); n = next.getAndIncrement()) {
                        results.add(call(channel, t, runId + "-" + n));
                        progress.accept(done.incrementAndGet());
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("gRPC traffic worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        List<TrafficDriver.Result> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> Integer.compare(seq(a.requestId()), seq(b.requestId())));
        return sorted;
    }

    private static TrafficDriver.Result call(ManagedChannel channel, Scenario.Traffic t, String id) {
        Metadata md = new Metadata();
        t.headers().forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        md.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), id);
        long start = System.nanoTime();
        try {
            String reply = ClientCalls.blockingUnaryCall(
                            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                            GrpcEcho.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                            StringValue.of(id))
                    .getValue();
            return new TrafficDriver.Result(
                    id, 200, System.nanoTime() - start, null, Map.of("grpc-status", "OK"), reply, List.of());
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            // A call that reached an answer ends with a grpc-status (HTTP 200, trailers-only); one that never
            // reached the proxy or was cut is curl's 000.
            boolean answered = s.getCode() != Status.Code.UNAVAILABLE || s.getCause() == null;
            return new TrafficDriver.Result(
                    id,
                    answered ? 200 : TrafficDriver.NO_RESPONSE,
                    System.nanoTime() - start,
                    answered ? null : String.valueOf(s.getCause()),
                    Map.of("grpc-status", s.getCode().name()),
                    s.getDescription() == null ? "" : s.getDescription(),
                    List.of());
        }
    }

    private static int seq(String requestId) {
        return Integer.parseInt(requestId.substring(requestId.lastIndexOf('-') + 1));
    }
}
