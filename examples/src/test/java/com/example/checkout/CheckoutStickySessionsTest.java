package com.example.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.MeshScenario;
import dev.meshbox.scenarios.ScenarioReport;

/**
 * The scenario file is the test: {@code @MeshScenario} runs it as {@code meshbox run} does and fails with its result
 * table when an expectation does not hold. The body then sees the report.
 */
class CheckoutStickySessionsTest {

    @MeshScenario("classpath:scenarios/checkout-sticky-sessions.yaml")
    void oneSessionStaysOnOnePodAndTheOldCartRedirects(ScenarioReport report) {
        assertThat(report.passed()).isTrue();
        ScenarioReport.StepReport sticky = report.steps().get(1);
        assertThat(sticky.checks())
                .filteredOn(c -> c.what().equals("checkout pods serving"))
                .singleElement()
                .satisfies(c -> assertThat(c.observed()).isEqualTo("1"));
    }
}
