package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import org.junit.jupiter.api.Test;

/** The JUnit extension's {@code Request.grpc(...)}: gRPC calls through a sidecar, counted by the version that served. */
@MeshTest(
        workloads = {"sleep", "grpc-echo"},
        seed = 3)
class GrpcMeshTestIT {

    private static final Request SAY =
            Request.grpc("grpc://echo-grpc:7070/meshbox.echo.Echo/Say").from("sleep");

    @Test
    void aVirtualServiceSplitsGrpcCallsAndAHeaderPicksTheCanary(Mesh mesh) {
        mesh.apply("""
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
                      weight: 80
                    - destination: {host: echo-grpc, subset: v2}
                      weight: 20
                """);

        assertThat(mesh.send(300, SAY.concurrency(4)))
                .allHaveStatus(200)
                .hasVersionShare("v1", 0.80, within(0.07))
                .hasVersionShare("v2", 0.20, within(0.07));
        assertThat(mesh.send(10, SAY.header("x-canary", "yes"))).allServedBy("v2");
    }

    @Test
    void aGrpcUrlMustNameTheEchoMethod() {
        assertThatThrownBy(() -> Request.grpc("grpc://echo-grpc:7070/other.Service/Call"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the gRPC method must be /meshbox.echo.Echo/Say");
    }
}
