package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Istio's default outboundTrafficPolicy, ALLOW_ANY, on Docker: sleep's sidecar passes a call to an address no service
 * declares (the port 8080 of a container without a sidecar, outside the mesh's services: its Service is on 8000)
 * through PassthroughCluster to the address it dialled, and the answer comes back.
 */
@RequiresDocker
class AllowAnyDockerIT {

    @Test
    void anUndeclaredDestinationIsReachedThroughPassthroughCluster() throws Exception {
        MeshSpec spec = MeshSpec.of(List.of(
                new Scenario.Builtin("sleep"),
                new Scenario.Builtin("httpbin"),
                new Scenario.Builtin("httpbin", "external", Optional.empty(), false, false)));
        try (DockerMesh mesh = DockerMesh.start(
                spec,
                DockerMesh.Options.isolated(OptionalLong.of(5)),
                new PrintStream(OutputStream.nullOutputStream()))) {
            String outside = mesh.pods().stream()
                    .filter(p -> p.spec().namespace().equals("external"))
                    .findFirst()
                    .orElseThrow()
                    .ip();
            String authority = outside + ":8080";

            TrafficDriver.Result r = new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", "GET", "http://" + authority + "/headers", Map.of(), 1, 1),
                            "allowany",
                            x -> {})
                    .get(0);

            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains(authority);
            // The sidecar's access log line reaches the control plane shortly after the answer: poll, bounded.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            Optional<MeshAccess.LogEntry> line = Optional.empty();
            while (line.isEmpty() && System.nanoTime() < deadline) {
                line = mesh.accessLog().stream()
                        .filter(l -> l.requestId().equals(r.requestId())
                                && l.direction().equals("outbound"))
                        .findFirst();
                if (line.isEmpty()) {
                    Thread.sleep(100);
                }
            }
            MeshAccess.LogEntry e = line.orElseThrow(
                    () -> new AssertionError("no outbound access log line for " + r.requestId() + " within 10 s"));
            assertThat(e.upstreamCluster()).isEqualTo("PassthroughCluster");
        }
    }
}
