package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pod annotation {@code proxy.istio.io/config} overrides the mesh's sampling for that pod's sidecar, as Istio's
 * injector bakes it into the bootstrap and istiod reads it from the node metadata: with the mesh at 100 % (tracing on),
 * calls from {@code loud} are all traced, calls from {@code quiet} (annotated {@code tracing: {sampling: 0.0001}})
 * are not, and their callee follows the caller's decision.
 */
@MeshTest(kubernetes = "classpath:junit/proxy-config-sampling.yaml", tracing = true)
class ProxyConfigSamplingIT {

    private static final String SENT = "tracing.zipkin.spans_sent";
    private static final String DROPPED = "tracing.zipkin.spans_dropped";

    @Test
    void theAnnotatedPodSamplesAtItsOwnPercentage(Mesh mesh) throws Exception {
        Responses quiet = mesh.send(20, Request.get("http://backend:8080/").from("quiet"));
        Responses loud = mesh.send(20, Request.get("http://backend:8080/").from("loud"));
        assertThat(quiet.statuses()).containsOnlyKeys(200);
        assertThat(loud.statuses()).containsOnlyKeys(200);

        // loud's 20 CLIENT spans and backend's 20 SERVER spans of them reach Zipkin (flushed after 1 s idle).
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while ((spans(mesh, "loud") < 20 || spans(mesh, "backend") < 20) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(spans(mesh, "loud")).isEqualTo(20);
        assertThat(spans(mesh, "backend"))
                .as("the callee follows each caller's decision")
                .isEqualTo(20);
        assertThat(spans(mesh, "quiet")).isZero();
    }

    private static long spans(Mesh mesh, String workload) {
        Map<String, Long> stats = mesh.stats(workload);
        return stats.getOrDefault(SENT, 0L) + stats.getOrDefault(DROPPED, 0L);
    }
}
