package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The terminal table and the JSON report. */
public final class ReportPrinter {

    private ReportPrinter() {}

    static void printStep(PrintStream out, String label, ScenarioReport.StepReport step) {
        if (step.checks().isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "  %s: %d requests in %.1f s%n", label, step.requests(), step.seconds());
        int w = Math.max(
                11,
                step.checks().stream().mapToInt(c -> c.what().length()).max().orElse(0));
        int e = Math.max(
                8,
                step.checks().stream()
                        .mapToInt(c -> c.expected().length())
                        .max()
                        .orElse(0));
        int o = Math.max(
                8,
                step.checks().stream()
                        .mapToInt(c -> c.observed().length())
                        .max()
                        .orElse(0));
        String fmt = "    %-" + w + "s  %-" + e + "s  %-" + o + "s  %s%n";
        out.printf(Locale.ROOT, fmt, "EXPECTATION", "EXPECTED", "OBSERVED", "RESULT");
        for (ScenarioReport.Check c : step.checks()) {
            out.printf(Locale.ROOT, fmt, c.what(), c.expected(), c.observed(), c.passed() ? "pass" : "FAIL");
            if (!c.passed() && !c.explanation().isEmpty()) {
                out.println("      why: " + c.explanation());
            }
        }
    }

    public static void writeJson(ScenarioReport report, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
    }

    /**
     * JUnit XML, as CI systems read it: one test suite per scenario, one test case per expectation (class name
     * {@code scenario.step}), a failure carrying expected, observed and why.
     */
    public static void writeJUnit(ScenarioReport report, Path file) throws IOException {
        int tests = 0;
        int failures = 0;
        double time = 0;
        StringBuilder cases = new StringBuilder();
        for (ScenarioReport.StepReport step : report.steps()) {
            time += step.seconds();
            String className = xml(report.scenario() + "." + step.name());
            for (ScenarioReport.Check c : step.checks()) {
                tests++;
                cases.append("    <testcase classname=\"")
                        .append(className)
                        .append("\" name=\"")
                        .append(xml(c.what()))
                        .append("\" time=\"")
                        .append(String.format(
                                Locale.ROOT,
                                "%.3f",
                                step.seconds() / Math.max(1, step.checks().size())))
                        .append('"');
                if (c.passed()) {
                    cases.append("/>\n");
                } else {
                    failures++;
                    String message = "expected " + c.expected() + ", observed " + c.observed();
                    cases.append(">\n      <failure message=\"")
                            .append(xml(message))
                            .append("\" type=\"ExpectationFailed\">")
                            .append(xml(message + (c.explanation().isEmpty() ? "" : "\nwhy: " + c.explanation())))
                            .append("</failure>\n    </testcase>\n");
                }
            }
        }
        String doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\""
                + xml(report.scenario())
                + "\" tests=\"" + tests + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\"0\" time=\""
                + String.format(Locale.ROOT, "%.3f", time) + "\">\n" + cases + "  </testsuite>\n</testsuites>\n";
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, doc);
    }

    private static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (ch >= 0x20 || ch == '\n' || ch == '\t') {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }
}
