package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ZipkinTraces;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on {@link Traces}: every request's trace must pass, and a failure lists each trace's id, its Zipkin UI
 * link and the services it went through, or the requests Zipkin has no trace for.
 */
public final class TracesAssert extends AbstractAssert<TracesAssert, Traces> {

    TracesAssert(Traces actual) {
        super(actual, TracesAssert.class);
    }

    /**
     * Every request's trace goes through {@code services} in that order, each span below the one before at any depth
     * ({@code ingress} is the ingress gateway; others are app labels or {@code APP.NAMESPACE}).
     */
    public TracesAssert allPassThrough(String... services) {
        List<String> wanted = Arrays.asList(services);
        complete("pass through " + wanted);
        List<ZipkinTraces.TraceView> failing =
                actual.asList().stream().filter(t -> !t.passesThrough(wanted)).toList();
        if (!failing.isEmpty()) {
            failWithMessage(
                    "Expected every trace to pass through %s, but %d of %d do not:%n%s",
                    String.join(" > ", wanted), failing.size(), actual.count(), actual.describe());
        }
        return this;
    }

    /**
     * Every request's trace has at least one span of {@code from}'s proxy calling {@code to} (its CLIENT span) with
     * those tags, e.g. {@code Map.of("response_flags", "FI")}.
     */
    public TracesAssert eachHasCall(String from, String to, Map<String, String> tags) {
        return spans(from, to, tags, Optional.empty());
    }

    /** Every request's trace has exactly {@code n} CLIENT spans of {@code from} calling {@code to} with those tags. */
    public TracesAssert eachHasCalls(int n, String from, String to, Map<String, String> tags) {
        return spans(from, to, tags, Optional.of(n));
    }

    private TracesAssert spans(String from, String to, Map<String, String> tags, Optional<Integer> n) {
        Scenario.SpanMatch m = new Scenario.SpanMatch(from, Optional.of(to), Optional.of("CLIENT"), Map.copyOf(tags));
        String what = n.map(c -> c + " span(s) ").orElse("a span ") + "of " + from + " calling " + to
                + (tags.isEmpty() ? "" : " with " + new java.util.TreeMap<>(tags));
        complete("have " + what);
        for (ZipkinTraces.TraceView t : actual.asList()) {
            List<ZipkinTraces.SpanView> found = t.matching(m);
            boolean ok = n.map(c -> found.size() == c).orElse(!found.isEmpty());
            if (!ok) {
                List<String> seen = t.spans().stream()
                        .filter(s -> s.of(from))
                        .map(ZipkinTraces.SpanView::describe)
                        .toList();
                failWithMessage(
                        "Expected every trace to have %s, but trace %s (request %s, %s) has %d; %s's spans: %s%n%s",
                        what,
                        t.traceId(),
                        t.requestId(),
                        actual.link(t),
                        found.size(),
                        from,
                        seen.isEmpty() ? "none" : String.join(", ", seen),
                        actual.describe());
            }
        }
        return this;
    }

    private void complete(String what) {
        isNotNull();
        if (actual.count() == 0 || !actual.missing().isEmpty()) {
            failWithMessage(
                    "Expected every request's trace to %s, but Zipkin has no trace for %d of %d requests after %d s"
                            + " (is sampling on? @MeshTest(tracing = true) sets 100 %%):%n%s",
                    what,
                    actual.missing().size(),
                    actual.count() + actual.missing().size(),
                    Traces.DEADLINE_SECONDS,
                    actual.describe());
        }
    }
}
