package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import io.grpc.CallOptions;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * grpc-java's own xDS client (grpc-xds, nothing of MeshBox's) with an {@code xds:///} target and a bootstrap naming the
 * control plane follows the VirtualService as Istio's proxyless gRPC clients do: the weighted split, a header match,
 * and a change applied while it runs. The echo servers are plain gRPC servers on loopback (no sidecar on either side).
 */
class ProxylessGrpcClientTest {

    private static final MethodDescriptor<StringValue, StringValue> SAY =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("meshbox.echo.Echo/Say")
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();

    private ControlPlane cp;
    private Server v1;
    private Server v2;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
        v1 = echo("127.0.0.31", 0, "v1");
        int port = v1.getPort();
        v2 = echo("127.0.0.32", port, "v2");
        cp.registry()
                .putService(new MeshService(
                        "echo", "default", List.of(ServicePort.of("grpc", 7070, port, null)), Map.of("app", "echo")));
        for (Server s : List.of(v1, v2)) {
            String version = s == v1 ? "v1" : "v2";
            String ip = s == v1 ? "127.0.0.31" : "127.0.0.32";
            cp.registry()
                    .putPod(new Pod(
                            "echo-" + version,
                            "default",
                            ip,
                            ip,
                            Map.of("app", "echo", "version", version),
                            Pod.ProxyKind.NONE,
                            true));
        }
        apply(80, 20);
        ProxylessBootstrap bootstrap =
                new ProxylessBootstrap("127.0.0.1", cp.xdsPort(), "client", "default", "127.0.0.1");
        // NettyChannelBuilder rather than Grpc.newChannelBuilder: the latter binds the default "xds" resolver (global
        // bootstrap) before nameResolverFactory could give this channel its own.
        channel = NettyChannelBuilder.forTarget("xds:///echo:7070", InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap.map()))
                .build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        v1.shutdownNow();
        v2.shutdownNow();
        cp.close();
    }

    private static Server echo(String ip, int port, String version) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("meshbox.echo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    if (req.getValue().equals("slow")) {
                        try {
                            Thread.sleep(2000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    out.onNext(StringValue.of(version));
                    out.onCompleted();
                }))
                .build();
        return NettyServerBuilder.forAddress(new InetSocketAddress(ip, port))
                .addService(service)
                .build()
                .start();
    }

    private void apply(int w1, int w2) {
        var result = cp.config().apply("echo.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo}
                spec:
                  host: echo
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo}
                spec:
                  hosts: [echo]
                  http:
                  - match: [{headers: {x-canary: {exact: "yes"}}}]
                    route:
                    - destination: {host: echo, subset: v2}
                  - match: [{headers: {x-fault: {exact: "yes"}}}]
                    fault: {abort: {grpcStatus: PERMISSION_DENIED, percentage: {value: 100}}}
                    route:
                    - destination: {host: echo, subset: v1}
                  - match: [{headers: {x-hurry: {exact: "yes"}}}]
                    timeout: 0.3s
                    route:
                    - destination: {host: echo, subset: v1}
                  - route:
                    - destination: {host: echo, subset: v1}
                      weight: %d
                    - destination: {host: echo, subset: v2}
                      weight: %d
                """.formatted(w1, w2));
        assertThat(result.problems()).isEmpty();
    }

    private String call(Map<String, String> headers) {
        return call(headers, "hello");
    }

    private String call(Map<String, String> headers, String message) {
        Metadata md = new Metadata();
        headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        return ClientCalls.blockingUnaryCall(
                        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                        SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                        StringValue.of(message))
                .getValue();
    }

    private int v2Of(int calls) {
        int v2s = 0;
        for (int i = 0; i < calls; i++) {
            if (call(Map.of()).equals("v2")) {
                v2s++;
            }
        }
        return v2s;
    }

    @Test
    void anXdsServerGetsItsListenerAndServesAProxylessClient() throws Exception {
        // A grpc-java XdsServerBuilder server asks for xds.istio.io/grpc/lds/inbound/HOST:PORT and serves only once
        // it has that listener, as under Istio's grpc-agent.
        int port;
        try (java.net.ServerSocket probe =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.33"))) {
            port = probe.getLocalPort();
        }
        cp.registry()
                .putService(new MeshService(
                        "xds-echo",
                        "default",
                        List.of(ServicePort.of("grpc", 7071, port, null)),
                        Map.of("app", "xds")));
        cp.registry()
                .putPod(new Pod(
                        "xds-echo-0",
                        "default",
                        "127.0.0.33",
                        "127.0.0.33",
                        Map.of("app", "xds", "version", "v1"),
                        Pod.ProxyKind.NONE,
                        true));
        ProxylessBootstrap serverBootstrap =
                new ProxylessBootstrap("127.0.0.1", cp.xdsPort(), "xds-echo-0", "default", "127.0.0.33");
        Server server = io.grpc.xds.XdsServerBuilder.forAddress(
                        new InetSocketAddress("127.0.0.33", port), InsecureServerCredentials.create())
                .overrideBootstrapForTest(serverBootstrap.map())
                .addService(ServerServiceDefinition.builder("meshbox.echo.Echo")
                        .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(StringValue.of("xds-server"));
                            out.onCompleted();
                        }))
                        .build())
                .build()
                .start();
        ManagedChannel toServer = NettyChannelBuilder.forTarget(
                        "xds:///xds-echo:7071", InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest(
                        "xds",
                        new ProxylessBootstrap("127.0.0.1", cp.xdsPort(), "client", "default", "127.0.0.1").map()))
                .build();
        try {
            assertThat(ClientCalls.blockingUnaryCall(
                                    toServer,
                                    SAY,
                                    CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                                    StringValue.of("hi"))
                            .getValue())
                    .isEqualTo("xds-server");
            assertThat(cp.resources(serverBootstrap.nodeId()).listeners())
                    .extracting(io.envoyproxy.envoy.config.listener.v3.Listener::getName)
                    .contains("xds.istio.io/grpc/lds/inbound/0.0.0.0:" + port); // grpc-java names the wildcard address
        } finally {
            toServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow();
        }
    }

    @Test
    void appliesTheVirtualServicesFaultAndTimeoutItself() {
        // grpc-java's fault filter aborts with the VirtualService's status; the route's timeout becomes the call's
        // max_stream_duration, as Istio sends it to proxyless clients.
        assertThatThrownBy(() -> call(Map.of("x-fault", "yes")))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        long start = System.nanoTime();
        assertThatThrownBy(() -> call(Map.of("x-hurry", "yes"), "slow"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(1500));
    }

    @Test
    void followsTheWeightsTheHeaderMatchAndALiveChange() throws InterruptedException {
        // 400 calls at 20 %: one standard deviation is 2 points, so 8 points is 4 sigma.
        assertThat(v2Of(400) / 400.0).isBetween(0.12, 0.28);
        for (int i = 0; i < 20; i++) {
            assertThat(call(Map.of("x-canary", "yes"))).isEqualTo("v2");
        }
        assertThat(cp.proxyStatus()).containsKey("sidecar~127.0.0.1~client.default~default.svc.cluster.local");

        // A convergence wait covers the proxyless client: once it ends, the client holds the new routes.
        apply(0, 100);
        assertThat(cp.awaitConverged(java.time.Duration.ofSeconds(10)))
                .as("the proxyless client ACKs the new routes: %s", cp.describeLagging())
                .isTrue();
        // grpc-java hands the routes to the channel's resolver on its own executor as it ACKs them
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!call(Map.of()).equals("v2")) {
            assertThat(System.nanoTime())
                    .as("the client follows the new weights")
                    .isLessThan(deadline);
        }
        assertThat(v2Of(20)).isEqualTo(20);
        assertThat(cp.proxyStatus()
                        .get("sidecar~127.0.0.1~client.default~default.svc.cluster.local")
                        .synced())
                .isTrue();
    }
}
