package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.grpcecho.GrpcEcho;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
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
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC echo workload routed by VirtualServices through a loopback mesh (issue 19, item 6): sleep's sidecar takes
 * grpc-java's h2c, Istio's protocol selection ({@code grpc} port name) makes the echo clusters HTTP/2, and the
 * VirtualService's weights, header match and {@code fault.abort.grpcStatus} apply to gRPC calls.
 */
class GrpcCanaryIT {

    private static LocalMesh mesh;
    private static ManagedChannel channel;

    @BeforeAll
    static void up() throws Exception {
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Builtin("grpc-echo"))),
                LocalOptions.isolated(OptionalLong.of(7)),
                new PrintStream(OutputStream.nullOutputStream()));
        InetSocketAddress outbound = mesh.outboundOf("sleep");
        channel = Grpc.newChannelBuilderForAddress(
                        outbound.getHostString(), outbound.getPort(), InsecureChannelCredentials.create())
                .overrideAuthority("echo-grpc:" + MeshSpec.GRPC_ECHO_PORT)
                .build();
        apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo-grpc}
                spec:
                  host: echo-grpc
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo-grpc}
                spec:
                  hosts: [echo-grpc]
                  http:
                  - match: [{headers: {x-canary: {exact: "yes"}}}]
                    route:
                    - destination: {host: echo-grpc, subset: v2}
                  - match: [{headers: {x-fault: {exact: "yes"}}}]
                    fault:
                      abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}
                    route:
                    - destination: {host: echo-grpc, subset: v1}
                  - route:
                    - destination: {host: echo-grpc, subset: v1}
                      weight: 90
                    - destination: {host: echo-grpc, subset: v2}
                      weight: 10
                """);
    }

    private static void apply(String yaml) {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("grpc.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    @AfterAll
    static void down() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static String say(String message, String... headers) {
        Metadata md = new Metadata();
        for (int i = 0; i < headers.length; i += 2) {
            md.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
        }
        return ClientCalls.blockingUnaryCall(
                        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                        GrpcEcho.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        StringValue.of(message))
                .getValue();
    }

    @Test
    void ninetyTenBetweenTheTwoVersionsWithAHeaderForTheCanary() {
        int v2 = 0;
        int calls = 200;
        for (int i = 0; i < calls; i++) {
            if ("v2".equals(GrpcEcho.versionOf(say("hi " + i)))) {
                v2++;
            }
        }
        // 200 calls at 10 %: 3 standard deviations is about 6.4 points.
        assertThat(v2 / (double) calls).isBetween(0.03, 0.17);
        assertThat(GrpcEcho.versionOf(say("canary", "x-canary", "yes"))).isEqualTo("v2");
    }

    @Test
    void aGrpcStatusFaultAnswersUnavailable() {
        assertThatThrownBy(() -> say("x", "x-fault", "yes"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
