package dev.meshbox.launcher.docker;

import dev.meshbox.launcher.engine.DockerEngine;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The JUnit side of {@link RequiresDocker}. */
public final class DockerCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return decide(DockerEngine.probe(), "true".equalsIgnoreCase(System.getenv("CI")));
    }

    /**
     * Skip without an engine, except in CI. Throwing from a condition makes JUnit report the test as failed
     * (not skipped), which is exactly what CI needs.
     */
    static ConditionEvaluationResult decide(DockerEngine.Status status, boolean ci) {
        if (status.available()) {
            return ConditionEvaluationResult.enabled(status.reason());
        }
        if (ci) {
            throw new IllegalStateException("CI=true but no Docker engine: " + status.reason());
        }
        return ConditionEvaluationResult.disabled(status.reason());
    }

    /** For code that cannot use the annotation: the same rule as an assumption or a failure. */
    public static void assumeDocker() {
        ConditionEvaluationResult result = decide(DockerEngine.probe(), "true".equalsIgnoreCase(System.getenv("CI")));
        if (result.isDisabled()) {
            org.junit.jupiter.api.Assumptions.abort(result.getReason().orElse(DockerEngine.NOT_RUNNING));
        }
    }
}
