package dev.meshbox.scenarios;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A scenario: workloads, then steps each applying config, sending traffic and checking expectations. */
public record Scenario(String name, String description, Path file, List<String> workloads, Optional<Long> seed,
                       List<Step> steps) {

    public record Step(String name, List<MeshAccess.ConfigText> config, Optional<Traffic> traffic,
                       List<Expectation> expect) {
    }

    /**
     * Requests to send. {@code from} is {@code ingress} or a workload whose sidecar sends them; {@code url} is the
     * logical URL ({@code http://reviews:9080/reviews/0}), or a path when sent through the ingress.
     */
    public record Traffic(String from, String method, String url, Map<String, String> headers, int count,
                          int concurrency) {
    }

    /** One expectation; {@code kind} says which fields matter. */
    public sealed interface Expectation permits VersionShare, StatusShare {
        String describe();
    }

    /** Share of requests served by each version of {@code service} (from the inbound access logs). */
    public record VersionShare(String service, Map<String, Double> shares, double tolerance) implements Expectation {
        @Override
        public String describe() {
            return "versions of " + service;
        }
    }

    /** Share of responses per status code. */
    public record StatusShare(Map<Integer, Double> shares, double tolerance) implements Expectation {
        @Override
        public String describe() {
            return "status codes";
        }
    }
}
