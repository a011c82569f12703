package dev.meshbox.scenarios;

import java.util.List;

/** What a scenario run observed, step by step; serialised as the {@code --report} JSON. */
public record ScenarioReport(String scenario, String file, Long seed, boolean passed, List<StepReport> steps) {

    /**
     * @param servedBy for each service a versionShare expectation names, the version that served each request, in
     *                 request order: two runs with the same seed give the same lists
     * @param denials  the step's requests a proxy refused itself (an AuthorizationPolicy, a RequestAuthentication),
     *                 by who refused, which rule decided and the caller's identity
     *                 ({@link AccessLogQueries#authorizationDenials}), with counts; empty when none was
     */
    public record StepReport(
            String name,
            List<String> applied,
            int requests,
            double seconds,
            List<Check> checks,
            java.util.Map<String, List<String>> servedBy,
            java.util.Map<String, Integer> denials) {

        public StepReport {
            denials = denials == null ? java.util.Map.of() : denials;
        }

        public StepReport(
                String name,
                List<String> applied,
                int requests,
                double seconds,
                List<Check> checks,
                java.util.Map<String, List<String>> servedBy) {
            this(name, applied, requests, seconds, checks, servedBy, java.util.Map.of());
        }

        public boolean passed() {
            return checks.stream().allMatch(Check::passed);
        }
    }

    /** One row of the result table: what was expected, what was seen, and why it came out that way. */
    public record Check(String what, String expected, String observed, boolean passed, String explanation) {}
}
