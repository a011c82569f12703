package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The docker package's pure parts: no engine needed. */
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

    @Test
    void lddLinesGiveLibraryPathsAndTheLoader() {
        String ldd = """
                \tlinux-vdso.so.1 (0x00007ffd)
                \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f1)
                \tlibjvm.so => not found
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f2)
                """;

        assertThat(RootFs.parseLdd(ldd))
                .containsExactly("/lib/x86_64-linux-gnu/libz.so.1", "/lib64/ld-linux-x86-64.so.2");
    }

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

    @Test
    void baseTagDependsOnItsInputsOnly() {
        assertThat(BaseImage.inputsHash(true, true))
                .isEqualTo(BaseImage.inputsHash(true, true))
                .hasSize(12);
        assertThat(BaseImage.inputsHash(true, true)).isNotEqualTo(BaseImage.inputsHash(false, true));
        assertThat(BaseImage.inputsHash(true, true)).isNotEqualTo(BaseImage.inputsHash(true, false));
    }

    @Test
    void appImageHasNoEntrypointSoTheCommandIsReplaceable() {
        assertThat(AppImage.dockerfile("eclipse-temurin:17-jre"))
                .startsWith("FROM eclipse-temurin:17-jre\n")
                .contains("COPY meshbox.jar /opt/meshbox/meshbox.jar")
                .doesNotContain("ENTRYPOINT");
    }
}
