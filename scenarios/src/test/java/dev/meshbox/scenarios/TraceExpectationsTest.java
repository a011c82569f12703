package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code trace} expectation: how it reads, and how it judges traces as Zipkin returns them. */
class TraceExpectationsTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void theShippedTracingScenarioRunsZipkinAndChecksTraces() {
        Scenario s = loader.load(Path.of("tracing.yaml"));
        assertThat(s.tracing()).isTrue();
        assertThat(s.steps().get(0).expect())
                .filteredOn(Scenario.Trace.class::isInstance)
                .map(Scenario.Trace.class::cast)
                .anySatisfy(t -> assertThat(t.through()).containsExactly("ingress", "productpage", "reviews"))
                .anySatisfy(t -> {
                    assertThat(t.span()).isPresent();
                    Scenario.SpanMatch m = t.span().get();
                    assertThat(m.from()).isEqualTo("reviews");
                    assertThat(m.to()).contains("ratings");
                    assertThat(m.kind()).contains("CLIENT");
                    assertThat(m.tags()).containsEntry("response_flags", "FI");
                    assertThat(t.spans()).contains(1);
                });
    }

    @Test
    void aTraceExpectationWithoutTracingNamesTheFieldAndTheFix() {
        String text = """
                name: t
                steps:
                  - traffic: {path: /productpage}
                    expect:
                      - trace: {through: [ingress, productpage]}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("t.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("t.yaml")
                .hasMessageContaining("steps[0].expect[0].trace: reads traces from Zipkin: set tracing: true");
    }

    @Test
    void badShapesNameFileAndField() {
        String text = """
                name: t
                tracing: true
                steps:
                  - traffic: {path: /productpage}
                    expect:
                      - trace: {through: []}
                      - trace: {span: {to: ratings, kind: INBOUND, tags: {response_flags: [FI]}}}
                      - trace: {spans: 2}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("t.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("steps[0].expect[0].trace.through: must be a non-empty list of services")
                .hasMessageContaining("steps[0].expect[1].trace.span.from: is required")
                .hasMessageContaining("steps[0].expect[1].trace.span.kind: must be CLIENT")
                .hasMessageContaining("steps[0].expect[1].trace.span.tags.response_flags: must be a value")
                .hasMessageContaining("steps[0].expect[2].trace.spans: counts the spans that match span");
        assertThatThrownBy(() -> loader.parse(Path.of("t.yaml"), "name: t\ntracing: yes please\nsteps: [{name: a}]\n"))
                .hasMessageContaining("tracing: must be true or false");
    }

    // A Bookinfo page as Envoy's Zipkin tracer reports it: the gateway's CLIENT span, then per sidecar a SERVER span
    // (inbound) and CLIENT spans (outbound), each the child of the one before.
    private static final List<ZipkinTraces.SpanView> ABORTED = List.of(
            span(
                    "1",
                    null,
                    "istio-ingressgateway.istio-system",
                    "CLIENT",
                    "outbound|9080||productpage.default.svc.cluster.local",
                    "-"),
            span("2", "1", "productpage.default", "SERVER", "inbound|9080||", "-"),
            span("3", "2", "productpage.default", "CLIENT", "outbound|9080|v1|details.default.svc.cluster.local", "-"),
            span("4", "3", "details.default", "SERVER", "inbound|9080||", "-"),
            span("5", "2", "productpage.default", "CLIENT", "outbound|9080|v2|reviews.default.svc.cluster.local", "-"),
            span("6", "5", "reviews.default", "SERVER", "inbound|9080||", "-"),
            span("7", "6", "reviews.default", "CLIENT", "outbound|9080|v1|ratings.default.svc.cluster.local", "FI"));

    private static ZipkinTraces.SpanView span(
            String id, String parent, String service, String kind, String cluster, String flags) {
        return new ZipkinTraces.SpanView(
                "t1",
                id,
                parent,
                "name-" + id,
                kind,
                service,
                Long.parseLong(id),
                Map.of("upstream_cluster", cluster, "response_flags", flags, ZipkinTraces.REQUEST_ID_TAG, "r1"));
    }

    @Test
    void throughFollowsParentLinksInOrder() {
        ZipkinTraces.TraceView t = new ZipkinTraces.TraceView("t1", "r1", ABORTED);
        assertThat(t.passesThrough(List.of("ingress", "productpage", "reviews")))
                .isTrue();
        assertThat(t.passesThrough(List.of("ingress", "details"))).isTrue();
        assertThat(t.passesThrough(List.of("productpage.default", "reviews.default")))
                .isTrue();
        // details and reviews are siblings, not one below the other; ratings never got the request.
        assertThat(t.passesThrough(List.of("details", "reviews"))).isFalse();
        assertThat(t.passesThrough(List.of("reviews", "productpage"))).isFalse();
        assertThat(t.passesThrough(List.of("ingress", "productpage", "reviews", "ratings")))
                .isFalse();
    }

    @Test
    void aFailedCheckShowsTheTraceItsLinkAndTheSpansSeen() {
        ZipkinTraces zipkin = new ZipkinTraces(URI.create("http://127.0.0.1:9411"));
        Map<String, ZipkinTraces.TraceView> traces = Map.of("r1", new ZipkinTraces.TraceView("t1", "r1", ABORTED));
        Scenario.Trace fi = new Scenario.Trace(
                List.of(),
                Optional.of(new Scenario.SpanMatch(
                        "reviews", Optional.of("ratings"), Optional.of("CLIENT"), Map.of("response_flags", "FI"))),
                Optional.of(1),
                1.0);
        assertThat(TraceChecks.check(fi, Set.of("r1"), traces, zipkin).passed()).isTrue();

        Scenario.Trace through =
                new Scenario.Trace(List.of("ingress", "reviews", "ratings"), Optional.empty(), Optional.empty(), 1.0);
        ScenarioReport.Check failed = TraceChecks.check(through, Set.of("r1", "r2"), traces, zipkin);
        assertThat(failed.passed()).isFalse();
        assertThat(failed.observed()).isEqualTo("0/2 traces");
        assertThat(failed.explanation())
                .contains("1 of 2 requests have no trace in Zipkin")
                .contains("trace t1 (http://127.0.0.1:9411/zipkin/traces/t1, request r1): goes"
                        + " istio-ingressgateway.istio-system > productpage.default > details.default"
                        + " | istio-ingressgateway.istio-system > productpage.default > reviews.default");

        Scenario.Trace ok = new Scenario.Trace(
                List.of(),
                Optional.of(new Scenario.SpanMatch(
                        "productpage", Optional.of("reviews"), Optional.of("CLIENT"), Map.of("response_flags", "UF"))),
                Optional.empty(),
                1.0);
        assertThat(TraceChecks.check(ok, Set.of("r1"), traces, zipkin).explanation())
                .contains("0 matching span(s); productpage's spans: productpage.default SERVER name-2");
    }
}
