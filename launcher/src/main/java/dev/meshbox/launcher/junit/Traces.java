package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ZipkinTraces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The traces of some {@link Responses} as Zipkin holds them: one per request that has one, in request order, with
 * the request ids Zipkin has no trace for. Spans are Zipkin's v2 spans ({@link ZipkinTraces.SpanView}): the proxy's
 * {@code localEndpoint.serviceName} ({@code reviews.default}), kind, name and tags ({@code response_flags},
 * {@code upstream_cluster}, {@code http.status_code}, ...).
 */
public final class Traces {

    /** How long {@link Responses#traces()} waits for Zipkin to hold every span. */
    public static final int DEADLINE_SECONDS = 20;

    private final ZipkinTraces zipkin;
    private final List<ZipkinTraces.TraceView> traces;
    private final List<String> missing;

    private Traces(ZipkinTraces zipkin, List<ZipkinTraces.TraceView> traces, List<String> missing) {
        this.zipkin = zipkin;
        this.traces = List.copyOf(traces);
        this.missing = List.copyOf(missing);
    }

    static Traces fetch(ZipkinTraces zipkin, List<String> requestIds) {
        Map<String, ZipkinTraces.TraceView> found;
        try {
            found = zipkin.fetch(requestIds, Duration.ofSeconds(DEADLINE_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading traces from " + zipkin.base(), e);
        }
        List<ZipkinTraces.TraceView> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : requestIds) {
            ZipkinTraces.TraceView t = found.get(id);
            if (t == null) {
                missing.add(id);
            } else {
                out.add(t);
            }
        }
        return new Traces(zipkin, out, missing);
    }

    public List<ZipkinTraces.TraceView> asList() {
        return traces;
    }

    public int count() {
        return traces.size();
    }

    /** The request ids Zipkin held no trace for after {@value #DEADLINE_SECONDS} s. */
    public List<String> missing() {
        return missing;
    }

    /** The trace of the request with that {@code x-request-id}. */
    public Optional<ZipkinTraces.TraceView> of(String requestId) {
        return traces.stream().filter(t -> t.requestId().equals(requestId)).findFirst();
    }

    /**
     * Every trace's spans of {@code from}'s proxy (an app label, {@code APP.NAMESPACE} or {@code ingress}) calling
     * {@code to} (its CLIENT spans whose upstream cluster names that service).
     */
    public List<ZipkinTraces.SpanView> calls(String from, String to) {
        Scenario.SpanMatch m = new Scenario.SpanMatch(from, Optional.of(to), Optional.of("CLIENT"), Map.of());
        return traces.stream().flatMap(t -> t.matching(m).stream()).toList();
    }

    /** Zipkin's UI page of a trace. */
    public String link(ZipkinTraces.TraceView trace) {
        return zipkin.link(trace.traceId());
    }

    /** Each trace's id, UI link and paths, and the requests without one: for failure messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (ZipkinTraces.TraceView t : traces) {
            sb.append("  trace ")
                    .append(t.traceId())
                    .append(" (request ")
                    .append(t.requestId())
                    .append(", ")
                    .append(link(t))
                    .append("): ")
                    .append(t.describePath())
                    .append('\n');
        }
        if (!missing.isEmpty()) {
            sb.append("  no trace in Zipkin (")
                    .append(zipkin.base())
                    .append(") for requests ")
                    .append(missing)
                    .append('\n');
        }
        return sb.toString();
    }
}
