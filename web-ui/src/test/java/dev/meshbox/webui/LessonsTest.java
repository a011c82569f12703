package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.Scenario;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every lesson loads with its YAML from the jar, and covers Istio's traffic-management tasks. */
class LessonsTest {

    @Test
    void everyTaskIsALessonWhoseStepsHaveYamlTrafficAndAnExplanation() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());

            assertThat(lessons.all())
                    .extracting(Lessons.Lesson::id)
                    .containsExactly(
                            "request-routing",
                            "user-routing",
                            "fault-delay",
                            "fault-abort",
                            "traffic-shifting",
                            "request-timeouts",
                            "circuit-breaking",
                            "mirroring");
            assertThat(lessons.all()).allSatisfy(l -> {
                assertThat(l.steps()).isNotEmpty();
                assertThat(l.steps().get(0).config())
                        .as(l.id())
                        .isNotEmpty()
                        .allSatisfy(t -> assertThat(t.text()).contains("networking.istio.io"));
                assertThat(l.steps())
                        .allSatisfy(s -> assertThat(s.observe() + s.why() + s.traffic())
                                .doesNotContain("null")
                                .isNotBlank());
            });
        }
    }

    @Test
    void theDelayLessonExplainsSixSecondsByProductpagesTimeoutAndRetry() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons.Lesson delay =
                    new Lessons(c.bundledDir()).lesson("fault-delay").orElseThrow();

            assertThat(delay.steps().get(0).config())
                    .extracting(t -> t.name())
                    .contains("istio/virtual-service-ratings-test-delay.yaml");
            assertThat(delay.steps().get(0).observe()).contains("about 6 s");
            assertThat(delay.steps().get(0).why()).contains("3 s x 2");
            assertThat(delay.steps().get(0).traffic()).contains("as jason").contains("through the ingress");
        }
    }

    @Test
    void sendingAStepsTrafficIsAScenarioWithoutItsConfig() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());

            Scenario s = lessons.trafficOnly("circuit-breaking", 1);

            assertThat(s.workloads()).containsExactly(new Scenario.Builtin("httpbin"), new Scenario.Builtin("fortio"));
            assertThat(s.steps()).singleElement().satisfies(st -> {
                assertThat(st.config()).isEmpty();
                assertThat(st.traffic())
                        .hasValueSatisfying(t -> assertThat(t.concurrency()).isEqualTo(3));
                assertThat(st.expect()).hasSize(4);
            });
        }
    }
}
