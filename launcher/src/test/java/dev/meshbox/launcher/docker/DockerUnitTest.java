package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.engine.DockerEngine;
import org.junit.jupiter.api.Test;

/** The rule that gates Docker tests: no engine needed. */
class DockerUnitTest {

    private static final DockerEngine.Status DOWN = DockerEngine.Status.down(null);

    @Test
    void missingEngineSkipsOnADevelopersMachineWithTheReason() {
        var result = DockerCondition.decide(DOWN, false);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).contains(DockerEngine.NOT_RUNNING);
    }

    @Test
    void missingEngineFailsInCi() {
        assertThatThrownBy(() -> DockerCondition.decide(DOWN, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CI=true")
                .hasMessageContaining("start dockerd");
    }

    @Test
    void presentEngineRunsTheTest() {
        assertThat(DockerCondition.decide(DockerEngine.Status.up("1.41"), true).isDisabled())
                .isFalse();
    }
}
