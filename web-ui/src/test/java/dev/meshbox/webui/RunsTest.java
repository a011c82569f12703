package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunsTest {

    @Test
    void theSplitChartHasEachVersionsObservedShareAgainstItsExpectedShareAndTolerance() {
        Scenario.Step step = new Scenario.Step(
                "split",
                List.of(),
                Optional.empty(),
                Optional.empty(),
                List.of(new Scenario.VersionShare("reviews", Map.of("v1", 0.9, "v2", 0.1), 0.03)));
        Scenario scenario =
                new Scenario("canary", "", Path.of("canary.yaml"), List.of(), Optional.empty(), List.of(step));
        List<String> served = new ArrayList<>(Collections.nCopies(85, "v1"));
        served.addAll(Collections.nCopies(14, "v2"));
        served.add("v3");
        ScenarioReport report = new ScenarioReport(
                "canary",
                "canary.yaml",
                null,
                false,
                List.of(new ScenarioReport.StepReport(
                        "split", List.of(), 100, 1.0, List.of(), Map.of("reviews", served))));

        List<Runs.SplitChart> charts = Runs.charts(scenario, report);

        assertThat(charts).singleElement().satisfies(c -> {
            assertThat(c.service()).isEqualTo("reviews");
            assertThat(c.total()).isEqualTo(100);
            assertThat(c.tolerance()).isEqualTo(0.03);
            assertThat(c.bars())
                    .containsExactly(
                            new Runs.SplitBar("v1", 0.9, 0.85, 85, false),
                            new Runs.SplitBar("v2", 0.1, 0.14, 14, false),
                            new Runs.SplitBar("v3", null, 0.01, 1, true));
        });
    }
}
