package dev.meshbox.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which labelled resources a janitor may remove: no engine needed. */
class LabelsTest {

    @Test
    void resourcesOfAnExitedOwnerOnThisHostAreStale() {
        Map<String, String> labels = Map.of(Labels.OWNER, "42@here");

        assertThat(Labels.isStale(labels, "here", pid -> false)).isTrue();
        assertThat(Labels.isStale(labels, "here", pid -> true)).isFalse();
        assertThat(Labels.isStale(labels, "elsewhere", pid -> false))
                .as("another host's run")
                .isFalse();
        assertThat(Labels.isStale(Map.of(), "here", pid -> true))
                .as("no owner label")
                .isTrue();
    }
}
