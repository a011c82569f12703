package dev.meshbox.scenarios;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Checks a step's {@code trace} expectations against the traces Zipkin holds for the step's requests. */
final class TraceChecks {

    /** How long Zipkin gets to hold every span of the step's requests. */
    static final Duration DEADLINE = Duration.ofSeconds(20);

    private static final int SHOWN = 3;

    private TraceChecks() {}

    /** Each trace expectation as a skipped check (passed: it was not checked, it did not fail), saying why. */
    static List<ScenarioReport.Check> skipped(List<Scenario.Expectation> expect, String why) {
        return expect.stream()
                .filter(Scenario.Trace.class::isInstance)
                .map(Scenario.Trace.class::cast)
                .map(t -> new ScenarioReport.Check(what(t), expected(t), "skipped", true, "skipped: " + why))
                .toList();
    }

    /** The checks of the step's trace expectations; none (and no Zipkin read) when it has none. */
    static List<ScenarioReport.Check> evaluate(
            List<Scenario.Expectation> expect, List<TrafficDriver.Result> results, Optional<ZipkinTraces> zipkin)
            throws InterruptedException {
        List<Scenario.Trace> wanted = expect.stream()
                .filter(Scenario.Trace.class::isInstance)
                .map(Scenario.Trace.class::cast)
                .toList();
        if (wanted.isEmpty()) {
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        results.forEach(r -> ids.add(r.requestId()));
        List<ScenarioReport.Check> checks = new ArrayList<>();
        if (zipkin.isEmpty()) {
            for (Scenario.Trace t : wanted) {
                checks.add(new ScenarioReport.Check(
                        what(t), expected(t), "no Zipkin", false, "the mesh runs without Zipkin: set tracing: true"));
            }
            return checks;
        }
        Map<String, ZipkinTraces.TraceView> traces = zipkin.get().fetch(ids, DEADLINE);
        for (Scenario.Trace t : wanted) {
            checks.add(check(t, ids, traces, zipkin.get()));
        }
        return checks;
    }

    static ScenarioReport.Check check(
            Scenario.Trace t, Set<String> ids, Map<String, ZipkinTraces.TraceView> traces, ZipkinTraces zipkin) {
        int passed = 0;
        List<String> why = new ArrayList<>();
        int missing = 0;
        for (String id : ids) {
            ZipkinTraces.TraceView trace = traces.get(id);
            if (trace == null) {
                missing++;
                continue;
            }
            Optional<String> failure = failure(t, trace);
            if (failure.isEmpty()) {
                passed++;
            } else if (why.size() < SHOWN) {
                why.add("trace " + trace.traceId() + " (" + zipkin.link(trace.traceId()) + ", request " + id + "): "
                        + failure.get());
            }
        }
        int total = ids.size();
        double share = total == 0 ? 0 : (double) passed / total;
        boolean ok = total > 0 && share + 1e-9 >= t.share();
        List<String> explanation = new ArrayList<>();
        if (!ok) {
            if (missing > 0) {
                explanation.add(missing + " of " + total + " requests have no trace in Zipkin (" + zipkin.base()
                        + ") after " + DEADLINE.toSeconds() + " s: is sampling on (tracing: true sets 100 %)?");
            }
            explanation.addAll(why);
        }
        return new ScenarioReport.Check(
                what(t), expected(t), passed + "/" + total + " traces", ok, String.join("; ", explanation));
    }

    /** Why one trace does not pass, or empty. */
    static Optional<String> failure(Scenario.Trace t, ZipkinTraces.TraceView trace) {
        if (!t.through().isEmpty() && !trace.passesThrough(t.through())) {
            return Optional.of("goes " + trace.describePath());
        }
        if (t.span().isPresent()) {
            Scenario.SpanMatch m = t.span().get();
            List<ZipkinTraces.SpanView> found = trace.matching(m);
            boolean ok = t.spans().map(n -> found.size() == n).orElse(!found.isEmpty());
            if (!ok) {
                List<String> of = trace.spans().stream()
                        .filter(s -> s.of(m.from()))
                        .map(ZipkinTraces.SpanView::describe)
                        .toList();
                return Optional.of(found.size() + " matching span(s); " + m.from() + "'s spans: "
                        + (of.isEmpty() ? "none" : String.join(", ", of)));
            }
        }
        return Optional.empty();
    }

    static String what(Scenario.Trace t) {
        List<String> parts = new ArrayList<>();
        if (!t.through().isEmpty()) {
            parts.add("through " + String.join(" > ", t.through()));
        }
        t.span()
                .ifPresent(m -> parts.add(t.spans().map(n -> n + " ").orElse("") + "span "
                        + m.kind().map(k -> k + " ").orElse("") + m.from()
                        + m.to().map(to -> " -> " + to).orElse("")
                        + (m.tags().isEmpty() ? "" : " " + new java.util.TreeMap<>(m.tags()))));
        return "trace " + String.join(", ", parts);
    }

    static String expected(Scenario.Trace t) {
        return "share " + Evaluator.fmt(t.share());
    }
}
