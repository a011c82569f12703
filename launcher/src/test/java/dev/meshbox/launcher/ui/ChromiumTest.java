package dev.meshbox.launcher.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ChromiumTest {

    private static final Chromium.Found MISSING = new Chromium.Found(
            Path.of("/nowhere/chromium"), Path.of("/nowhere/chromedriver"), "no Chromium at /nowhere/chromium");

    @Test
    void withoutChromiumTheBrowserTestIsSkippedWithTheReason() {
        assertThat(Chromium.decide(MISSING, false).isDisabled()).isTrue();
        assertThat(Chromium.decide(MISSING, false).getReason()).hasValue("no Chromium at /nowhere/chromium");
    }

    @Test
    void withoutChromiumUnderCiTheBrowserTestFails() {
        assertThatThrownBy(() -> Chromium.decide(MISSING, true))
                .hasMessageContaining("CI=true")
                .hasMessageContaining("/nowhere/chromium");
    }

    @Test
    void withChromiumTheBrowserTestRuns() {
        assertThat(Chromium.decide(
                                new Chromium.Found(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromedriver"), ""),
                                true)
                        .isDisabled())
                .isFalse();
    }
}
