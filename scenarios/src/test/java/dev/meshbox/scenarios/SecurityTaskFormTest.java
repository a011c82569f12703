package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What Istio's security tasks need from the scenario format: workloads in their own namespaces and service accounts,
 * workloads without a sidecar, and a request that got no response written as curl prints it, {@code 000}.
 */
class SecurityTaskFormTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    private Scenario parse(String workloads, String expect) {
        return loader.parse(Path.of("task.yaml"), """
                name: task
                workloads: %s
                steps:
                  - name: one
                    traffic: {from: sleep.legacy, url: "http://httpbin.foo:8000/ip"}
                    expect:
                      - %s
                """.formatted(workloads, expect));
    }

    @Test
    void workloadsTakeANamespaceAsIstiosTasksNameThemAndRunWithoutASidecarWhenAsked() {
        Scenario s = parse(
                "[httpbin.foo, sleep.foo, {httpbin: {namespace: legacy, sidecar: false}},"
                        + " {sleep: {namespace: legacy, sidecar: false, serviceAccount: legacy-client}}]",
                "statusShare: {shares: {200: 1.0}}");

        assertThat(s.workloads())
                .containsExactly(
                        new Scenario.Builtin("httpbin", "foo", Optional.empty(), true),
                        new Scenario.Builtin("sleep", "foo", Optional.empty(), true),
                        new Scenario.Builtin("httpbin", "legacy", Optional.empty(), false),
                        new Scenario.Builtin("sleep", "legacy", Optional.of("legacy-client"), false));
        assertThat(s.workloads().get(2).displayName()).isEqualTo("httpbin.legacy (no sidecar)");
        assertThat(s.workloads().get(0).displayName()).isEqualTo("httpbin.foo");
    }

    @Test
    void eachWorkloadRunsAsTheServiceAccountIstiosSampleGivesIt() {
        assertThat(BuiltinWorkloads.serviceAccount(new Scenario.Builtin("httpbin"), "httpbin"))
                .isEqualTo("httpbin");
        assertThat(BuiltinWorkloads.serviceAccount(new Scenario.Builtin("sleep"), "sleep"))
                .isEqualTo("sleep");
        assertThat(BuiltinWorkloads.serviceAccount(new Scenario.Builtin("bookinfo"), "productpage"))
                .isEqualTo("bookinfo-productpage");
        assertThat(BuiltinWorkloads.serviceAccount(new Scenario.Builtin("fortio"), "fortio"))
                .isEqualTo("default");
    }

    @Test
    void badWorkloadsAreNamedWithTheirLineFieldAndWhatIsExpected() {
        assertThatThrownBy(() -> parse("""

                          - httpbin.Foo
                          - {sleep: {namespace: legacy, sidecar: no-thanks, port: 80}}
                          - bookinfo.foo
                          - sleep.foo
                          - sleep.foo""", "statusShare: {shares: {200: 1.0}}"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("task.yaml:3: workloads[0]: namespace \"Foo\" must be a DNS label")
                .hasMessageContaining("task.yaml:4: workloads[1].sleep.sidecar: must be true or false")
                .hasMessageContaining("workloads[1].sleep.port: unknown key; expected one of [grpc,"
                        + " localities, locality, namespace, serviceAccount, sidecar]")
                .hasMessageContaining("workloads[2]: bookinfo runs in namespace default only")
                .hasMessageContaining("workloads: sleep is listed twice in namespace foo");
    }

    @Test
    void noResponseIsStatus000InBothStatusExpectations() {
        Scenario.Status status = (Scenario.Status) parse("[httpbin.foo]", "status: {code: 000, minShare: 1.0}")
                .steps()
                .get(0)
                .expect()
                .get(0);
        Scenario.Status quoted = (Scenario.Status) parse("[httpbin.foo]", "status: {code: \"000\", minShare: 1.0}")
                .steps()
                .get(0)
                .expect()
                .get(0);
        Scenario.StatusShare share =
                (Scenario.StatusShare) parse("[httpbin.foo]", "statusShare: {shares: {\"000\": 1.0}}")
                        .steps()
                        .get(0)
                        .expect()
                        .get(0);

        assertThat(status.code()).isEqualTo(TrafficDriver.NO_RESPONSE);
        assertThat(quoted.code()).isEqualTo(TrafficDriver.NO_RESPONSE);
        assertThat(share.shares()).containsExactly(Map.entry(TrafficDriver.NO_RESPONSE, 1.0));
        assertThatThrownBy(() -> parse("[httpbin.foo]", "status: {code: 42, min: 1}"))
                .hasMessageContaining("task.yaml:7: steps[0].expect[0].status.code: must be an HTTP status between 100"
                        + " and 599, or \"000\" for no response (the connection was refused or closed, as curl prints"
                        + " it), got 42");
    }

    @Test
    void aClosedConnectionIsReportedAs000WithTheClientsError() {
        TrafficDriver.Result closed = new TrafficDriver.Result(
                "r-0", TrafficDriver.NO_RESPONSE, 0, "GET /ip: connection closed before any answer", Map.of(), "");
        StepObservation o = new StepObservation("sleep.legacy", List.of(closed), List.of(), Map.of(), null);

        List<ScenarioReport.Check> checks = Evaluator.evaluate(
                List.of(
                        new Scenario.StatusShare(Map.of(TrafficDriver.NO_RESPONSE, 1.0), 0),
                        new Scenario.StatusShare(Map.of(200, 1.0), 0)),
                o);

        assertThat(checks.get(0).what()).isEqualTo("status 000 (no response) share");
        assertThat(checks.get(0).passed()).isTrue();
        assertThat(checks.get(1).passed()).isFalse();
        assertThat(checks.get(1).explanation())
                .contains("status codes: 000 (no response) 1/1")
                .contains("first error: GET /ip: connection closed before any answer");
    }
}
