package dev.meshbox.proxy.tracing;

import java.util.Map;

/** Where finished spans go; {@link #NONE} drops them (a proxy whose tracing is not wired, as in unit tests). */
public interface SpanReporter {

    SpanReporter NONE = new SpanReporter() {
        @Override
        public void report(String collectorCluster, String collectorEndpoint, Span span) {}

        @Override
        public Map<String, Long> stats() {
            return Map.of();
        }
    };

    /** Queues {@code span} for the collector cluster's endpoint; never blocks, never throws. */
    void report(String collectorCluster, String collectorEndpoint, Span span);

    /** The reporter's counters by Envoy's stat names. */
    Map<String, Long> stats();
}
