package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * What the extension does around the tests, seen from outside: fixture classes below run through the JUnit launcher,
 * as Maven would run them, and this test reads their outcome. The mesh is closed after its class, and a failing
 * scenario, a wrong backend or property fail with messages that say what to change.
 */
class ExtensionLifecycleIT {

    private static final String FIXTURES = "meshbox.test.fixtures";

    /** The fixtures run only when launched from here, not when an IDE or Maven picks up nested classes. */
    static final class OnlyWhenLaunchedHere implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURES).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by ExtensionLifecycleIT")
                    : ConditionEvaluationResult.disabled("a fixture of ExtensionLifecycleIT");
        }
    }

    @ExtendWith(OnlyWhenLaunchedHere.class)
    @MeshTest(workloads = "sleep")
    static class PublishesItsIngress {
        @Test
        void publish(Mesh mesh, TestReporter reporter) {
            reporter.publishEntry("ingress", RunningMesh.hostPort(mesh.ingress()));
        }
    }

    @ExtendWith(OnlyWhenLaunchedHere.class)
    @MeshTest(workloads = "sleep", backend = "nomad")
    static class AsksForNomad {
        @Test
        void never(Mesh mesh) {}
    }

    @ExtendWith(OnlyWhenLaunchedHere.class)
    @MeshTest(workloads = "sleep")
    static class PlainMesh {
        @Test
        void never(Mesh mesh) {}
    }

    @ExtendWith(OnlyWhenLaunchedHere.class)
    static class FailingScenario {
        @MeshScenario("classpath:junit/wrong-split.yaml")
        void wrongSplit() {}
    }

    /** What a launch reported: failures by display name, and published entries. */
    private static final class Outcome implements TestExecutionListener {
        final List<String> failures = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();
        final List<String> entries = new ArrayList<>();
        int succeeded;

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL && id.isTest()) {
                succeeded++;
            }
            result.getThrowable().ifPresent(t -> {
                failures.add(id.getDisplayName() + ": " + t.getMessage());
                errors.add(t);
            });
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            entry.getKeyValuePairs().forEach((k, v) -> entries.add(k + "=" + v));
        }
    }

    private static Outcome launch(Class<?> fixture, Map<String, String> properties) {
        Outcome outcome = new Outcome();
        LauncherFactory.create()
                .execute(
                        LauncherDiscoveryRequestBuilder.request()
                                .selectors(selectClass(fixture))
                                .configurationParameter(FIXTURES, "true")
                                .configurationParameters(properties)
                                .build(),
                        outcome);
        return outcome;
    }

    @Test
    void theMeshIsClosedWhenItsClassIsDone() throws IOException {
        Outcome outcome = launch(PublishesItsIngress.class, Map.of());
        assertThat(outcome.failures).isEmpty();
        assertThat(outcome.entries).singleElement().asString().startsWith("ingress=127.");
        String[] hostPort =
                outcome.entries.get(0).substring("ingress=".length()).split(":");

        assertThatThrownBy(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 1000);
                    }
                })
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void anUnknownBackendFailsTheClassNamingTheAttribute() {
        Outcome outcome = launch(AsksForNomad.class, Map.of());
        assertThat(outcome.succeeded).isZero();
        assertThat(outcome.failures)
                .singleElement()
                .asString()
                .contains("@MeshTest(backend = \"nomad\") on " + AsksForNomad.class.getName())
                .contains("unknown backend \"nomad\"; valid backends: local, docker, k3s, kubernetes");
    }

    @Test
    void anUnknownBackendPropertyFailsTheClassNamingTheProperty() {
        Outcome outcome = launch(PlainMesh.class, Map.of("meshbox.backend", "podman"));
        assertThat(outcome.failures)
                .singleElement()
                .asString()
                .contains("-Dmeshbox.backend=podman")
                .contains("valid backends: local, docker, k3s, kubernetes");
    }

    @Test
    void aFailingScenarioFailsItsTestWithTheResultTable() {
        Outcome outcome = launch(FailingScenario.class, Map.of());
        assertThat(outcome.errors).singleElement().isInstanceOf(AssertionError.class);
        assertThat(outcome.failures)
                .singleElement()
                .asString()
                .contains("scenario wrong-split (classpath:junit/wrong-split.yaml) failed")
                .contains("step 1/1 \"all to v1, expecting half on v2\": 20 requests")
                .containsPattern("greeter v2 share +0\\.5 ± 0\\.1 +0\\.000 \\(0/20\\) +FAIL")
                .contains("why: served by greeter: v1 20/20");
    }
}
