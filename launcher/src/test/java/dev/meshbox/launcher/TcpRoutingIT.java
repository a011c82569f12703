package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TcpTraffic;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TCP between sidecars on a loopback mesh: sleep connects to its own pod address at tcp-echo's port 9000 (its sidecar's
 * outbound TCP listener), the VirtualService's {@code tcp:} rule splits connections by weight, and the bytes cross
 * mutual TLS to tcp-echo's sidecar, whose inbound TCP chain hands them to the app; both sidecars log the connection
 * as Envoy logs TCP.
 */
class TcpRoutingIT {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static LocalMesh mesh;

    @BeforeAll
    static void up() throws Exception {
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Builtin("tcp-echo"))),
                LocalOptions.isolated(OptionalLong.of(3)),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static void apply(String vs) {
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText("tcp-echo.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: tcp-echo}
                spec:
                  host: tcp-echo
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                """ + vs)));
        assertThat(applied.problems()).isEmpty();
    }

    private static List<TrafficDriver.Result> send(int count) throws InterruptedException {
        return new TrafficDriver(mesh)
                .send(
                        new Scenario.Traffic("sleep", "GET", "tcp://tcp-echo:9000", Map.of(), count, 2),
                        "tcp" + RUNS.incrementAndGet(),
                        x -> {});
    }

    @Test
    void aTcpRouteSplitsConnectionsFromASidecarByWeightOverMutualTls() throws Exception {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: tcp-echo}
                spec:
                  hosts: [tcp-echo]
                  tcp:
                  - match: [{port: 9000}]
                    route:
                    - {destination: {host: tcp-echo, subset: v1}, weight: 50}
                    - {destination: {host: tcp-echo, subset: v2}, weight: 50}
                """);
        List<TrafficDriver.Result> results = send(60);

        assertThat(results).allSatisfy(r -> assertThat(r.status()).as(r.error()).isEqualTo(200));
        assertThat(results).allSatisfy(r -> assertThat(r.body()).endsWith(" " + r.requestId()));
        long v2 = results.stream()
                .filter(r -> "v2".equals(r.headers().get(TcpTraffic.VERSION)))
                .count();
        assertThat(v2).isBetween(12L, 48L);
        assertThat(mesh.accessLog())
                .anySatisfy(e -> assertThat(e.upstreamCluster())
                        .isEqualTo("outbound|9000|v2|tcp-echo.default.svc.cluster.local"))
                .anySatisfy(e -> assertThat(e.upstreamCluster()).isEqualTo("inbound|9000||"));
    }

    @Test
    void withoutAVirtualServiceEveryConnectionReachesTheService() throws Exception {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: tcp-echo}
                spec:
                  hosts: [tcp-echo]
                  tcp:
                  - route:
                    - {destination: {host: tcp-echo, subset: v1}}
                """);
        List<TrafficDriver.Result> results = send(10);

        assertThat(results).allSatisfy(r -> assertThat(r.body()).startsWith("one "));
    }
}
