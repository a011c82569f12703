package dev.meshbox.launcher.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that runs a scenario file, as {@code meshbox run} does, and fails with the scenario's result table when an
 * expectation does not hold. The method body runs after a passing scenario and may take the
 * {@link dev.meshbox.scenarios.ScenarioReport} as a parameter to check more.
 *
 * <pre>{@code
 * @MeshScenario("classpath:scenarios/canary-90-10.yaml")
 * void canary() {
 * }
 * }</pre>
 *
 * The scenario runs on the class's mesh when that mesh has the scenario's workloads (and its seed, if the scenario
 * sets one); otherwise, and in a class without {@link MeshTest}, on a mesh of its own, closed after the test.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@ExtendWith(MeshExtension.class)
public @interface MeshScenario {

    /** The scenario file: {@code classpath:scenarios/canary.yaml}, or a path relative to the working directory. */
    String value();
}
