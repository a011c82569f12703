package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 through a sidecar on loopback, with grpc-java on both ends (a client nobody here wrote, speaking h2c with
 * prior knowledge): the outbound listener takes HTTP/2, the router forwards each stream over HTTP/2 to a cluster with
 * {@code http2_protocol_options}, trailers come back, and the filter chain (route match, weights, retries, timeouts,
 * fault) works on streams as on HTTP/1.1 requests.
 */
class Http2ProxyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD_IP = "127.0.0.171";
    private static final String V1_IP = "127.0.0.172";
    private static final String V2_IP = "127.0.0.173";
    private static final String ECHO_V1 = "outbound|7070|v1|echo.default.svc.cluster.local";
    private static final String ECHO_V2 = "outbound|7070|v2|echo.default.svc.cluster.local";
    private static final String ECHO_H1 = "outbound|7070|h1|echo.default.svc.cluster.local";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("meshbox.Echo/Say")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();

    /** Server streaming: "n" answers 1..n, each after the client has read the one before (see {@link #read}). */
    private static final MethodDescriptor<String, String> COUNT = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("meshbox.Echo/Count")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();
    /** Bidi streaming: every message echoed as "echo: m", the end when the client ends. */
    private static final MethodDescriptor<String, String> CHAT = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName("meshbox.Echo/Chat")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();
    /**
     * Per call tag ("n/tag"), the messages the streaming client has read: the server sends the next one only once the
     * last was read.
     */
    private static final Map<String, java.util.concurrent.Semaphore> read =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static java.util.concurrent.Semaphore read(String tag) {
        return read.computeIfAbsent(tag, t -> new java.util.concurrent.Semaphore(0));
    }

    private static TestControlPlane controlPlane;
    private static Server v1;
    private static Server v2;
    private static Proxy proxy;
    private static ManagedChannel channel;
    private static final AtomicInteger failuresLeft = new AtomicInteger();

    /** "v1: hello"; "slow" sleeps 2 s; "fail" fails with UNAVAILABLE while {@link #failuresLeft} lasts. */
    private static Server echo(String ip, String version) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("meshbox.Echo")
                .addMethod(
                        SAY, ServerCalls.asyncUnaryCall((String request, io.grpc.stub.StreamObserver<String> out) -> {
                            if (request.equals("fail") && failuresLeft.getAndDecrement() > 0) {
                                out.onError(Status.UNAVAILABLE
                                        .withDescription("not yet")
                                        .asRuntimeException());
                                return;
                            }
                            if (request.equals("slow")) {
                                try {
                                    Thread.sleep(2000);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                            out.onNext(version + ": " + request);
                            out.onCompleted();
                        }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    String[] parts = request.split("/", 2);
                    int n = Integer.parseInt(parts[0]);
                    java.util.concurrent.Semaphore permits = read(parts.length > 1 ? parts[1] : "");
                    for (int i = 1; i <= n; i++) {
                        out.onNext(Integer.toString(i));
                        try {
                            if (i < n && !permits.tryAcquire(5, TimeUnit.SECONDS)) {
                                // The client did not see message i while the stream was open: it was held back.
                                out.onNext("held back");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    out.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new io.grpc.stub.StreamObserver<String>() {
                    @Override
                    public void onNext(String m) {
                        out.onNext("echo: " + m);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        return io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                        new InetSocketAddress(ip, 0), InsecureServerCredentials.create())
                .addService(service)
                .build()
                .start();
    }

    private static Cluster http2(Cluster c) {
        return c.toBuilder()
                .putTypedExtensionProtocolOptions(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        Any.pack(HttpProtocolOptions.newBuilder()
                                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                        .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                                .build()))
                .build();
    }

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        v1 = echo(V1_IP, "v1");
        v2 = echo(V2_IP, "v2");
        int p1 = v1.getPort();
        int p2 = v2.getPort();
        FractionalPercent all = FractionalPercent.newBuilder()
                .setNumerator(100)
                .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
                .build();
        var routes = routeConfig(
                "7070",
                service(
                        "echo",
                        "default",
                        7070,
                        route("v2", headerExact("/", "x-version", "v2"), cluster(ECHO_V2)),
                        route("h1", headerExact("/", "x-version", "h1"), cluster(ECHO_H1)),
                        withFault(
                                route("abort", headerExact("/", "x-fault", "abort"), cluster(ECHO_V1)),
                                HTTPFault.newBuilder()
                                        .setAbort(FaultAbort.newBuilder()
                                                .setHttpStatus(503)
                                                .setPercentage(all))
                                        .build()),
                        route(
                                "timeout",
                                headerExact("/", "x-timeout", "short"),
                                cluster(ECHO_V1)
                                        .setTimeout(com.google.protobuf.Duration.newBuilder()
                                                .setNanos(300_000_000))),
                        withFault(
                                route("grpc-abort", headerExact("/", "x-fault", "grpc"), cluster(ECHO_V1)),
                                HTTPFault.newBuilder()
                                        .setAbort(FaultAbort.newBuilder()
                                                .setGrpcStatus(7)
                                                .setPercentage(all))
                                        .build()),
                        route(
                                "retry",
                                headerExact("/", "x-retry", "yes"),
                                cluster(ECHO_V1)
                                        .setRetryPolicy(RetryPolicy.newBuilder()
                                                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled")
                                                .setNumRetries(UInt32Value.of(2)))),
                        route(
                                "deadline",
                                headerExact("/", "x-timeout", "grpc"),
                                cluster(ECHO_V1)
                                        .setTimeout(com.google.protobuf.Duration.newBuilder()
                                                .setSeconds(10))
                                        .setMaxGrpcTimeout(com.google.protobuf.Duration.newBuilder()
                                                .setNanos(300_000_000))),
                        route("split", prefix("/"), weighted(Map.of(ECHO_V1, 50, ECHO_V2, 50)))));
        String node = Sidecars.nodeId(POD_IP, "client-v1-171");
        controlPlane.set(
                node,
                Snapshot.create(
                        List.of(
                                http2(edsCluster(ECHO_V1, Cluster.LbPolicy.ROUND_ROBIN)),
                                http2(edsCluster(ECHO_V2, Cluster.LbPolicy.ROUND_ROBIN)),
                                edsCluster(ECHO_H1, Cluster.LbPolicy.ROUND_ROBIN)),
                        List.of(
                                cla(ECHO_V1, V1_IP + ":" + p1),
                                cla(ECHO_V2, V2_IP + ":" + p2),
                                cla(ECHO_H1, V1_IP + ":" + p1)),
                        List.of(virtualOutbound(), outboundPort(7070)),
                        List.of(routes),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "client", "v1", o -> o);
        channel = Grpc.newChannelBuilderForAddress(
                        OUTBOUND.getHostString(), OUTBOUND.getPort(), InsecureChannelCredentials.create())
                .overrideAuthority("echo:7070")
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        proxy.close();
        v1.shutdownNow();
        v2.shutdownNow();
        controlPlane.close();
    }

    private static String say(String message, String... headers) {
        return say(10_000, message, headers);
    }

    private static String say(long deadlineMs, String message, String... headers) {
        Metadata md = new Metadata();
        for (int i = 0; i < headers.length; i += 2) {
            md.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
        }
        return ClientCalls.blockingUnaryCall(
                io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                SAY,
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS),
                message);
    }

    private static List<JsonNode> accessLog() throws Exception {
        JsonNode log = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        List<JsonNode> entries = new ArrayList<>();
        log.forEach(entries::add);
        return entries;
    }

    @Test
    void aGrpcCallCrossesTheSidecarOverHttp2BothWaysAndIsLoggedAsHttp2() throws Exception {
        assertThat(say("hello", "x-version", "v2")).isEqualTo("v2: hello");
        JsonNode last = accessLog().get(accessLog().size() - 1);
        assertThat(last.toString()).contains("HTTP/2").contains(ECHO_V2).contains("/meshbox.Echo/Say");
        assertThat(last.get("response_code").asInt()).isEqualTo(200);
        assertThat(last.get("grpc_status").asText()).isEqualTo("OK");
        assertThat(TestHttp.get(new InetSocketAddress(POD_IP, 15090), "prom", "/stats/prometheus")
                        .body())
                .contains("request_protocol=\"grpc\",response_code=\"200\",grpc_response_status=\"0\"");
    }

    @Test
    void aServerStreamingCallsMessagesReachTheClientOneByOneBeforeTheStreamEnds() throws Exception {
        List<String> got = new ArrayList<>();
        java.util.Iterator<String> messages = ClientCalls.blockingServerStreamingCall(
                channel, COUNT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "4/one-by-one");
        while (messages.hasNext()) {
            got.add(messages.next());
            read("one-by-one").release(); // only now does the server send the next message
        }
        assertThat(got).containsExactly("1", "2", "3", "4");
        JsonNode last = accessLog().get(accessLog().size() - 1);
        assertThat(last.get("path").asText()).isEqualTo("/meshbox.Echo/Count");
        assertThat(last.get("response_code").asInt()).isEqualTo(200);
        assertThat(last.get("grpc_status").asText()).isEqualTo("OK");
        assertThat(last.get("response_flags").asText()).isEqualTo("-");
        assertThat(last.get("bytes_sent").asLong()).isEqualTo(4 * (5 + 1));
    }

    @Test
    void theRouteTimeoutResetsAStreamThatStartedAndIsLoggedUt() throws Exception {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("x-timeout", Metadata.ASCII_STRING_MARSHALLER), "short");
        java.util.Iterator<String> messages = ClientCalls.blockingServerStreamingCall(
                io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                "3/timeout");
        assertThat(messages.next()).isEqualTo("1");
        // The client does not read on, so the server holds message 2 while the route's 300 ms run out.
        assertThatThrownBy(messages::hasNext).isInstanceOf(StatusRuntimeException.class);
        JsonNode entry = null;
        for (JsonNode e : accessLog()) {
            if (e.get("path").asText().equals("/meshbox.Echo/Count")
                    && e.get("response_flags").asText().equals("UT")) {
                entry = e;
            }
        }
        assertThat(entry).as("the Count call's access log entry with UT").isNotNull();
        assertThat(entry.get("response_code").asInt()).isEqualTo(200);
        assertThat(entry.get("response_code_details").asText()).isEqualTo("response_timeout");
        assertThat(entry.get("bytes_sent").asLong()).isEqualTo(6);
        read("timeout").release(2); // let the server's thread go
    }

    @Test
    void aBidiStreamingCallEchoesEveryMessage() throws Exception {
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(CHAT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                new io.grpc.stub.StreamObserver<String>() {
                    @Override
                    public void onNext(String m) {
                        got.add(m);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext("a");
        requests.onNext("b");
        requests.onNext("c");
        requests.onCompleted();
        done.get(30, TimeUnit.SECONDS);
        assertThat(got).containsExactly("echo: a", "echo: b", "echo: c");
    }

    @Test
    void weightedClustersSplitTheStreamsOfOneConnection() {
        int v1Count = 0;
        for (int i = 0; i < 40; i++) {
            if (say("hi").startsWith("v1")) {
                v1Count++;
            }
        }
        assertThat(v1Count).isBetween(5, 35);
    }

    @Test
    void aFaultAbortAnswersTheStreamAndTheClientSeesUnavailable() {
        assertThatThrownBy(() -> say("hello", "x-fault", "abort"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void theRouteTimeoutEndsASlowStreamWhileOthersOnTheConnectionGoOn() throws Exception {
        var slow = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return say("slow", "x-timeout", "short");
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode().toString();
            }
        });
        assertThat(say("quick", "x-version", "v2")).isEqualTo("v2: quick");
        assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(Status.Code.UNAVAILABLE.toString());
        assertThat(accessLog())
                .anySatisfy(e -> assertThat(e.toString()).contains("UT").contains("/meshbox.Echo/Say"));
    }

    @Test
    void aGrpcStatusAbortIsATrailersOnlyAnswerLoggedAs200FI() throws Exception {
        assertThatThrownBy(() -> say("hello", "x-fault", "grpc"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("fault filter abort");
                });
        assertThat(accessLog()).anySatisfy(e -> {
            assertThat(e.get("route_name").asText()).isEqualTo("grpc-abort");
            assertThat(e.get("response_code").asInt()).isEqualTo(200);
            assertThat(e.get("response_flags").asText()).isEqualTo("FI");
            assertThat(e.get("grpc_status").asText()).isEqualTo("PERMISSION_DENIED");
        });
        assertThat(TestHttp.get(new InetSocketAddress(POD_IP, 15090), "prom", "/stats/prometheus")
                        .body())
                .contains("request_protocol=\"grpc\",response_code=\"200\",grpc_response_status=\"7\","
                        + "response_flags=\"FI\"");
    }

    @Test
    void retryOnUnavailableRetriesATrailersOnlyFailure() {
        failuresLeft.set(2);
        assertThat(say("fail", "x-retry", "yes")).isEqualTo("v1: fail");
        assertThat(failuresLeft.get()).isNegative();
        failuresLeft.set(5);
        assertThatThrownBy(() -> say("fail", "x-retry", "yes"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(failuresLeft.get())
                .as("three attempts: the first and two retries")
                .isEqualTo(2);
        failuresLeft.set(0);
    }

    @Test
    void theClientsGrpcTimeoutIsCappedByTheRoutesMaxGrpcTimeout() throws Exception {
        // The client allows 5 s; the route's max_grpc_timeout (Istio: the VirtualService timeout) is 300 ms.
        assertThatThrownBy(() -> say(5000, "slow", "x-timeout", "grpc"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).isEqualTo("upstream request timeout");
                });
        assertThat(accessLog()).anySatisfy(e -> {
            assertThat(e.get("route_name").asText()).isEqualTo("deadline");
            assertThat(e.get("response_flags").asText()).isEqualTo("UT");
            assertThat(e.get("duration_ms").asLong()).isLessThan(1500);
        });
    }

    @Test
    void aClientThatCancelsOneStreamLeavesTheConnectionAndItsOtherStreamsAlone() {
        assertThatThrownBy(() -> say(200, "slow", "x-version", "v2"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(say("after", "x-version", "v2")).isEqualTo("v2: after");
    }

    @Test
    void aClusterWithoutHttp2OptionsIsSpokenToInHttp11() {
        // grpc-java's server refuses HTTP/1.1: the proxy's HTTP/1.1 request gets no gRPC answer.
        assertThatThrownBy(() -> say("hello", "x-version", "h1")).isInstanceOf(StatusRuntimeException.class);
    }
}
