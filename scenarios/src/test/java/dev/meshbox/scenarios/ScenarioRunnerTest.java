package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A scenario run step by step against {@link LoopbackMesh}: config, real traffic, the access log, the report. */
class ScenarioRunnerTest {

    private static final String CANARY = """
            name: loopback-canary
            steps:
              - name: all to v1
                config:
                  - inline: |
                      kind: VirtualService  # every request to v1
                traffic: {path: /reviews/0, count: 20, concurrency: 2}
                expect:
                  - versionShare: {service: reviews, shares: {v1: 1.0}, tolerance: 0}
                  - statusShare: {shares: {200: 1.0}}
                  - counter: {workload: istio-ingressgateway, stat: "%s", min: 20, max: 20}
              - name: split 90/10
                config:
                  - inline: |
                      kind: VirtualService  # weight: 10 to v2
                traffic: {path: /reviews/0, count: 20, concurrency: 4}
                expect:
                  - versionShare: {service: reviews, shares: {v1: 0.9, v2: 0.1}, tolerance: 0}
            """.formatted(LoopbackMesh.REQUESTS_STAT);

    private final LoopbackMesh mesh = new LoopbackMesh();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @AfterEach
    void close() {
        mesh.close();
    }

    private Scenario scenario(String text) {
        return new ScenarioLoader().parse(Path.of("loopback.yaml"), text);
    }

    private ScenarioReport run(Scenario scenario, OptionalLong seed) throws InterruptedException {
        return new ScenarioRunner(mesh, new PrintStream(printed, true, StandardCharsets.UTF_8), seed).run(scenario);
    }

    private String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachStepAppliesItsConfigSendsItsTrafficAndChecksWhatCameBack() throws Exception {
        ScenarioReport report = run(scenario(CANARY), OptionalLong.of(7));

        assertThat(report.passed()).as(output()).isTrue();
        assertThat(report.scenario()).isEqualTo("loopback-canary");
        assertThat(report.steps())
                .extracting(ScenarioReport.StepReport::name)
                .containsExactly("all to v1", "split 90/10");
        assertThat(report.steps().get(0).applied()).containsExactly("loopback.yaml steps[0].config[0] configured");
        assertThat(report.steps().get(0).requests()).isEqualTo(20);
        assertThat(report.steps().get(0).checks())
                .extracting(ScenarioReport.Check::what)
                .containsExactly("reviews v1 share", "status 200 share", "istio-ingressgateway upstream_rq_total");
        assertThat(mesh.applied()).hasSize(2);
        assertThat(output())
                .contains("Scenario loopback-canary")
                .contains("step 2/2 \"split 90/10\": sending 20 x GET /reviews/0 from ingress (concurrency 4)")
                .contains("EXPECTATION")
                .endsWith("PASS loopback-canary" + System.lineSeparator());
    }

    @Test
    void theReportSaysWhichVersionServedEachRequestInRequestOrder() throws Exception {
        ScenarioReport report = run(scenario(CANARY), OptionalLong.of(7));

        List<String> expected = new ArrayList<>(Collections.nCopies(20, "v1"));
        expected.set(9, "v2");
        expected.set(19, "v2");
        assertThat(report.steps().get(1).servedBy()).containsOnlyKeys("reviews");
        assertThat(report.steps().get(1).servedBy().get("reviews")).isEqualTo(expected);
    }

    @Test
    void aSeedNamesTheRequestsAfterTheScenarioAndStepSoEveryRunSendsTheSameIds() throws Exception {
        run(scenario(CANARY), OptionalLong.of(7));

        assertThat(mesh.accessLog())
                .extracting(MeshAccess.LogEntry::requestId)
                .filteredOn(id -> id.endsWith("-0"))
                .containsOnly("loopback-canary-seed7-s1-0", "loopback-canary-seed7-s2-0");
    }

    @Test
    void withoutASeedEachRunHasRequestIdsOfItsOwn() throws Exception {
        run(scenario(CANARY), OptionalLong.empty());

        assertThat(mesh.accessLog())
                .extracting(MeshAccess.LogEntry::requestId)
                .allMatch(id -> id.matches("mbx[0-9a-f]+s[12]-\\d+"));
    }

    @Test
    void aFailedExpectationFailsTheRunAndPrintsWhy() throws Exception {
        String wrong = CANARY.replace("shares: {v1: 0.9, v2: 0.1}", "shares: {v2: 0.5}");

        ScenarioReport report = run(scenario(wrong), OptionalLong.of(7));

        assertThat(report.passed()).isFalse();
        assertThat(report.steps().get(0).passed()).isTrue();
        assertThat(report.steps().get(1).passed()).isFalse();
        assertThat(output())
                .contains("reviews v2 share")
                .contains("FAIL")
                .contains("why: served by reviews: v1 18/20, v2 2/20")
                .endsWith("FAIL loopback-canary" + System.lineSeparator());
    }

    @Test
    void rejectedConfigStopsTheRunNamingTheFileTheStepAndTheProblem() {
        String bad = CANARY.replace("# weight: 10 to v2", "# weight: -1 to v2");

        assertThatThrownBy(() -> run(scenario(bad), OptionalLong.empty()))
                .isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("loopback.yaml: step 2/2 \"split 90/10\": config was rejected:\n  ")
                .hasMessageContaining("spec.http[0].route[0].weight: must be >= 0, got -1");
        assertThat(mesh.applied()).as("the first step's config only").hasSize(1);
    }

    @Test
    void aFlagExpectationReadsTheSourceProxysFlags() throws Exception {
        ScenarioReport report = run(scenario("""
                        name: loopback-abort
                        steps:
                          - name: abort
                            config: [{inline: "kind: VirtualService  # abort"}]
                            traffic: {path: /reviews/0, count: 5}
                            expect:
                              - statusShare: {shares: {503: 1.0}}
                              - responseFlags: {status: 503, flag: FI}
                        """), OptionalLong.empty());

        assertThat(report.passed()).as(output()).isTrue();
        assertThat(report.steps().get(0).checks())
                .extracting(ScenarioReport.Check::what)
                .containsExactly("status 503 share", "flag FI on 503s");
    }
}
