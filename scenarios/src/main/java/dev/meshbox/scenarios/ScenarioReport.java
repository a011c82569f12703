package dev.meshbox.scenarios;

import java.util.List;

/** What a scenario run observed, step by step; serialised as the {@code --report} JSON. */
public record ScenarioReport(String scenario, String file, Long seed, boolean passed, List<StepReport> steps) {

    /**
     * @param servedBy for each service a versionShare expectation names, the version that served each request, in
     *                 request order: two runs with the same seed give the same lists
     */
    public record StepReport(
            String name,
            List<String> applied,
            int requests,
            double seconds,
            List<Check> checks,
            java.util.Map<String, List<String>> servedBy) {
        public boolean passed() {
            return checks.stream().allMatch(Check::passed);
        }
    }

    /** One row of the result table: what was expected, what was seen, and why it came out that way. */
    public record Check(String what, String expected, String observed, boolean passed, String explanation) {}
}
