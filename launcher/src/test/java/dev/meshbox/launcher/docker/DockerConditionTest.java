package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.meshbox.launcher.engine.DockerEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * How JUnit reports a test whose engine is missing, through the real platform: the rule in
 * {@link DockerCondition#decide} must come out as a skip on a laptop and as a failure in CI, not just as a value.
 */
class DockerConditionTest {

    @Test
    void withoutAnEngineATestIsSkippedOutsideCi() {
        TestExecutionSummary summary = run(LaptopWithoutEngine.class);

        assertThat(summary.getContainersSkippedCount())
                .as("the class is skipped")
                .isEqualTo(1);
        assertThat(summary.getTestsSucceededCount()).isZero();
        assertThat(summary.getTotalFailureCount()).isZero();
    }

    @Test
    void withoutAnEngineATestFailsInCi() {
        TestExecutionSummary summary = run(CiWithoutEngine.class);

        assertThat(summary.getTotalFailureCount()).isEqualTo(1);
        assertThat(summary.getFailures().get(0).getException()).hasMessageContaining(DockerEngine.NOT_RUNNING);
        assertThat(summary.getTestsSucceededCount()).isZero();
    }

    private static TestExecutionSummary run(Class<?> fixture) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create()
                .execute(
                        LauncherDiscoveryRequestBuilder.request()
                                .selectors(selectClass(fixture))
                                .build(),
                        listener);
        return listener.getSummary();
    }

    /** The probe's answer is fixed here; the real condition only adds DockerEngine.probe() and the CI variable. */
    static final class NoEngine implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            boolean ci = context.getRequiredTestClass() == CiWithoutEngine.class;
            return DockerCondition.decide(DockerEngine.Status.down(null), ci);
        }
    }

    @ExtendWith(NoEngine.class)
    static class LaptopWithoutEngine {
        @Test
        void needsDocker() {}
    }

    @ExtendWith(NoEngine.class)
    static class CiWithoutEngine {
        @Test
        void needsDocker() {}
    }
}
