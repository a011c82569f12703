package dev.meshbox.launcher.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The images' recipes and cache keys: no engine needed. */
class ImageRecipeTest {

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
