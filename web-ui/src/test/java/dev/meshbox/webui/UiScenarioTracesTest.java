package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A scenario with trace expectations run from the UI: on a mesh started with {@code --tracing} the checks read that
 * mesh's Zipkin; on one without, they are skipped with the reason, and the run does not fail for it.
 */
class UiScenarioTracesTest {

    private static final Scenario.Trace THROUGH =
            new Scenario.Trace(List.of("ingress", "productpage"), Optional.empty(), Optional.empty(), 1.0);

    private static final Scenario SCENARIO = new Scenario(
            "traced",
            "",
            Path.of("traced.yaml"),
            List.of(),
            Optional.empty(),
            List.of(new Scenario.Step("look", List.of(), Optional.empty(), Optional.empty(), List.of(THROUGH))),
            Optional.empty(),
            true);

    /** A mesh with nothing in it but, maybe, a Zipkin. */
    private record FakeMesh(Optional<URI> zipkin) implements UiMesh {
        @Override
        public MeshAccess access() {
            return new MeshAccess() {
                @Override
                public ApplyOutcome apply(List<ConfigText> config) {
                    return new ApplyOutcome(List.of(), List.of());
                }

                @Override
                public void resetConfig() {}

                @Override
                public InetSocketAddress ingress() {
                    return new InetSocketAddress("127.0.0.1", 1);
                }

                @Override
                public InetSocketAddress outboundOf(String workload) {
                    return new InetSocketAddress("127.0.0.1", 1);
                }

                @Override
                public List<LogEntry> accessLog() {
                    return List.of();
                }

                @Override
                public Map<String, Long> counters(String workload) {
                    return Map.of();
                }
            };
        }

        @Override
        public MeshAccess.ApplyOutcome delete(List<ResourceKey> keys) {
            return new MeshAccess.ApplyOutcome(List.of(), List.of());
        }

        @Override
        public ControlPlane controlPlane() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Pod> pods() {
            return List.of();
        }

        @Override
        public String adminGet(Pod pod, String path) {
            return "";
        }

        @Override
        public String prometheus(Pod pod) {
            return "";
        }

        @Override
        public List<String> workloads() {
            return List.of();
        }

        @Override
        public List<String> missing(List<Scenario.Workload> wanted) {
            return List.of();
        }
    }

    @Test
    void withoutZipkinTraceChecksAreSkippedWithTheReasonAndTheRunPasses() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        ScenarioReport report =
                new FakeMesh(Optional.empty()).run(SCENARIO, new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertThat(report.passed()).isTrue();
        assertThat(report.steps().get(0).checks()).singleElement().satisfies(c -> {
            assertThat(c.observed()).isEqualTo("skipped");
            assertThat(c.explanation()).contains("without Zipkin").contains("meshbox up --tracing");
        });
    }

    @Test
    void withZipkinTheChecksReadThatZipkin() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        HttpServer zipkin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        zipkin.createContext("/api/v2/traces", exchange -> {
            reads.incrementAndGet();
            byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        zipkin.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + zipkin.getAddress().getPort());
            ScenarioReport report = new FakeMesh(Optional.of(base))
                    .run(SCENARIO, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            // No request was sent, so there is no trace to find; what matters is that the check asked this Zipkin.
            assertThat(report.steps().get(0).checks())
                    .singleElement()
                    .satisfies(c ->
                            assertThat(c.observed()).isNotEqualTo("skipped").isNotEqualTo("no Zipkin"));
        } finally {
            zipkin.stop(0);
        }
    }
}
