package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.grpcecho.GrpcEcho;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Proxyless gRPC (issue 19, item 7): grpc-java's own xDS client ({@code xds:///} target, grpc-xds from Maven Central,
 * nothing of MeshBox's in its data path) takes its routing from the mesh's control plane as Istio's proxyless clients
 * do, and calls the grpc-echo pods (through their sidecars' inbound, as a proxyless client reaches a meshed server).
 */
@MeshTest(workloads = {"grpc-echo"})
class ProxylessGrpcIT {

    private static final String RULES = """
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
              - route:
                - destination: {host: echo-grpc, subset: v1}
                  weight: %d
                - destination: {host: echo-grpc, subset: v2}
                  weight: %d
            """;

    private static String say(ManagedChannel channel, String... headers) {
        Metadata md = new Metadata();
        for (int i = 0; i < headers.length; i += 2) {
            md.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
        }
        return GrpcEcho.versionOf(ClientCalls.blockingUnaryCall(
                        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)),
                        GrpcEcho.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                        StringValue.of("hi"))
                .getValue());
    }

    private static int v2Of(ManagedChannel channel, int calls) {
        int v2 = 0;
        for (int i = 0; i < calls; i++) {
            if ("v2".equals(say(channel))) {
                v2++;
            }
        }
        return v2;
    }

    @Test
    void anXdsChannelFollowsTheWeightsTheHeaderMatchAndALiveChange(Mesh mesh) throws InterruptedException {
        mesh.apply(RULES.formatted(80, 20));
        ManagedChannel channel = mesh.proxylessGrpc("xds:///echo-grpc.default.svc.cluster.local:7070")
                .build();
        try {
            // 300 calls at 20 %: one standard deviation is 2.3 points, so 8 points is over 3 sigma.
            assertThat(v2Of(channel, 300) / 300.0).isBetween(0.12, 0.28);
            for (int i = 0; i < 10; i++) {
                assertThat(say(channel, "x-canary", "yes")).isEqualTo("v2");
            }

            // apply returns once every proxy, the proxyless client's xDS client included, ACKed the change; grpc-java
            // hands the new routes to the channel's resolver on its own executor as it ACKs, so the first calls may
            // still pick by the old ones for a moment.
            mesh.apply(RULES.formatted(0, 100));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!"v2".equals(say(channel))) {
                assertThat(System.nanoTime())
                        .as("the client follows the VirtualService's new weights")
                        .isLessThan(deadline);
            }
            assertThat(v2Of(channel, 20)).isEqualTo(20);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aShortNameResolvesInTheClientsNamespace(Mesh mesh) throws InterruptedException {
        mesh.apply(RULES.formatted(0, 100));
        ManagedChannel channel = mesh.proxylessGrpc("xds:///echo-grpc:7070").build();
        try {
            assertThat(say(channel)).isEqualTo("v2");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(mesh.proxylessBootstrap("default"))
                .contains("\"GENERATOR\" : \"grpc\"")
                .contains("~default.svc.cluster.local");
    }
}
