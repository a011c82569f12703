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

    private ReportPrinter() {
    }

    static void printStep(PrintStream out, String label, ScenarioReport.StepReport step) {
        if (step.checks().isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "  %s: %d requests in %.1f s%n", label, step.requests(), step.seconds());
        int w = Math.max(11, step.checks().stream().mapToInt(c -> c.what().length()).max().orElse(0));
        int e = Math.max(8, step.checks().stream().mapToInt(c -> c.expected().length()).max().orElse(0));
        int o = Math.max(8, step.checks().stream().mapToInt(c -> c.observed().length()).max().orElse(0));
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
}
