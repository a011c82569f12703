package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import org.junit.jupiter.api.Test;

/** The JUnit extension's {@code Request.tcp(...)}: TCP connections through a sidecar, counted by the version that answered. */
@MeshTest(
        workloads = {"sleep", "tcp-echo"},
        seed = 5)
class TcpMeshTestIT {

    private static final Request ECHO = Request.tcp("tcp://tcp-echo:9000").from("sleep");

    @Test
    void aTcpRouteSplitsConnectionsByWeight(Mesh mesh) {
        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: tcp-echo}
                spec:
                  host: tcp-echo
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: tcp-echo}
                spec:
                  hosts: [tcp-echo]
                  tcp:
                  - route:
                    - destination: {host: tcp-echo, subset: v1}
                      weight: 80
                    - destination: {host: tcp-echo, subset: v2}
                      weight: 20
                """);

        assertThat(mesh.send(200, ECHO.concurrency(4)))
                .allHaveStatus(200)
                .hasVersionShare("v1", 0.80, within(0.09))
                .hasVersionShare("v2", 0.20, within(0.09));
    }

    @Test
    void aTcpUrlHasNoPath() {
        assertThatThrownBy(() -> Request.tcp("tcp://tcp-echo:9000/path"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a TCP URL has no path");
    }
}
