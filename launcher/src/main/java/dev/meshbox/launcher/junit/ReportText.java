package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.ScenarioReport;
import java.util.List;
import java.util.Locale;

/** A scenario's result as the text of a failed test: each step's table, with why each failed check failed. */
final class ReportText {

    private ReportText() {}

    static String failure(ScenarioReport report, String location) {
        StringBuilder sb = new StringBuilder("scenario ")
                .append(report.scenario())
                .append(" (")
                .append(location)
                .append(") failed");
        if (report.seed() != null) {
            sb.append(", seed ").append(report.seed());
        }
        sb.append(":\n");
        int index = 0;
        for (ScenarioReport.StepReport step : report.steps()) {
            index++;
            sb.append(String.format(
                    Locale.ROOT,
                    "step %d/%d \"%s\": %d requests in %.1f s%s%n",
                    index,
                    report.steps().size(),
                    step.name(),
                    step.requests(),
                    step.seconds(),
                    step.passed() ? ", passed" : ""));
            if (!step.passed()) {
                table(sb, step.checks());
            }
        }
        return sb.toString().stripTrailing();
    }

    private static void table(StringBuilder sb, List<ScenarioReport.Check> checks) {
        int what = width(checks.stream().map(ScenarioReport.Check::what).toList(), "EXPECTATION");
        int expected = width(checks.stream().map(ScenarioReport.Check::expected).toList(), "EXPECTED");
        int observed = width(checks.stream().map(ScenarioReport.Check::observed).toList(), "OBSERVED");
        String row = "  %-" + what + "s  %-" + expected + "s  %-" + observed + "s  %s%n";
        sb.append(String.format(Locale.ROOT, row, "EXPECTATION", "EXPECTED", "OBSERVED", "RESULT"));
        for (ScenarioReport.Check c : checks) {
            sb.append(String.format(
                    Locale.ROOT, row, c.what(), c.expected(), c.observed(), c.passed() ? "pass" : "FAIL"));
            if (!c.passed() && !c.explanation().isEmpty()) {
                sb.append("    why: ").append(c.explanation()).append('\n');
            }
        }
    }

    private static int width(List<String> values, String header) {
        return Math.max(
                header.length(), values.stream().mapToInt(String::length).max().orElse(0));
    }
}
