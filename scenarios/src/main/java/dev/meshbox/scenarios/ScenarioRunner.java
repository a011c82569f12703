package dev.meshbox.scenarios;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a scenario against a running mesh: per step apply the config (waiting until the proxies ACK it), send the
 * traffic with progress, read the access logs and check the expectations.
 */
public final class ScenarioRunner {

    private final MeshAccess mesh;
    private final PrintStream out;
    private final java.util.OptionalLong seed;
    private java.util.Optional<ZipkinTraces> zipkin = java.util.Optional.empty();
    private String tracesSkipped;

    /**
     * @param seed when present, request ids are derived from the scenario and step instead of the clock, so a mesh
     *             seeded the same way makes the same decision for each request in every run
     */
    public ScenarioRunner(MeshAccess mesh, PrintStream out, java.util.OptionalLong seed) {
        this.mesh = mesh;
        this.out = out;
        this.seed = seed;
    }

    /** Trace expectations read the step's traces from the Zipkin at {@code base} ({@code http://IP:9411}). */
    public ScenarioRunner withZipkin(java.net.URI base) {
        this.zipkin = java.util.Optional.of(new ZipkinTraces(base));
        return this;
    }

    /**
     * Trace expectations are not checked, each reported as skipped with {@code why}, rather than failed: for a mesh
     * that was started without Zipkin by someone else (the web UI's), where the scenario cannot start one.
     */
    public ScenarioRunner skippingTraces(String why) {
        this.zipkin = java.util.Optional.empty();
        this.tracesSkipped = why;
        return this;
    }

    /** Runs every step; config problems in a step abort the run with a {@link ScenarioException}. */
    public ScenarioReport run(Scenario scenario) throws InterruptedException {
        out.println("Scenario " + scenario.name()
                + (scenario.description().isEmpty() ? "" : ": " + scenario.description()));
        List<ScenarioReport.StepReport> steps = new ArrayList<>();
        int index = 0;
        for (Scenario.Step step : scenario.steps()) {
            index++;
            String label = "step " + index + "/" + scenario.steps().size() + " \"" + step.name() + "\"";
            List<String> applied = List.of();
            if (!step.config().isEmpty()) {
                MeshAccess.ApplyOutcome outcome = mesh.apply(step.config());
                if (!outcome.ok()) {
                    throw new ScenarioException(scenario.file() + ": " + label + ": config was rejected:\n  "
                            + String.join("\n  ", outcome.problems()));
                }
                applied = outcome.changes();
                applied.forEach(c -> out.println("  " + c));
            }
            if (step.proxyAdmin().isPresent()) {
                ProxyAdmin admin = step.proxyAdmin().get();
                out.println("  " + label + ": POST " + admin.path() + " on " + admin.workload() + "'s proxy: "
                        + mesh.proxyAdminPost(admin.workload(), admin.path()).strip());
            }
            if (step.pause().isPresent()) {
                out.printf(
                        Locale.ROOT,
                        "  %s: waiting %.1f s%n",
                        label,
                        step.pause().get().toMillis() / 1000.0);
                Thread.sleep(step.pause().get().toMillis());
            }
            Map<String, Long> before = counters(step);
            List<TrafficDriver.Result> results = List.of();
            double seconds = 0;
            String from = "ingress";
            if (step.traffic().isPresent()) {
                Scenario.Traffic t = step.traffic().get();
                from = t.from();
                String amount = t.duration().isZero()
                        ? t.count() + " x"
                        : "for " + t.duration().toMillis() / 1000.0 + " s";
                out.printf(
                        Locale.ROOT,
                        "  %s: sending %s %s %s from %s (concurrency %d%s)%n",
                        label,
                        amount,
                        t.method(),
                        t.url(),
                        t.from(),
                        t.concurrency(),
                        t.rate() > 0 ? ", " + Evaluator.fmt(t.rate()) + " per second" : "");
                long start = System.nanoTime();
                // Progress counts towards the number of requests the step will send, when that is known.
                int expected = t.duration().isZero()
                        ? t.count()
                        : t.rate() > 0
                                ? (int) Math.min(
                                        t.count(),
                                        Math.ceil(t.rate() * t.duration().toMillis() / 1000.0))
                                : Integer.MAX_VALUE;
                Progress progress = new Progress(out, expected);
                String runId = seed.isPresent()
                        ? scenario.name() + "-seed" + seed.getAsLong() + "-s" + index
                        : "mbx" + Long.toHexString(start & 0xffffff) + "s" + index;
                results = new TrafficDriver(mesh).send(t, runId, progress::update);
                progress.finish();
                seconds = (System.nanoTime() - start) / 1e9;
            }
            Map<String, Long> deltas = new HashMap<>();
            counters(step).forEach((k, v) -> deltas.put(k, before.containsKey(k) ? v - before.get(k) : v));
            List<MeshAccess.LogEntry> log = step.expect().isEmpty() ? List.of() : mesh.accessLog();
            List<ScenarioReport.Check> checks = new ArrayList<>(
                    Evaluator.evaluate(step.expect(), new StepObservation(from, results, log, deltas, mesh)));
            checks.addAll(
                    tracesSkipped == null
                            ? TraceChecks.evaluate(step.expect(), results, zipkin)
                            : TraceChecks.skipped(step.expect(), tracesSkipped));
            Map<String, List<String>> servedBy = new java.util.TreeMap<>();
            for (Scenario.Expectation e : step.expect()) {
                if (e instanceof Scenario.VersionShare v) {
                    Map<String, String> byId = AccessLogQueries.servedBy(v.service(), log);
                    servedBy.put(
                            v.service(),
                            results.stream()
                                    .map(r -> AccessLogQueries.servedBy(byId, r))
                                    .toList());
                }
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            results.forEach(r -> ids.add(r.requestId()));
            ScenarioReport.StepReport report = new ScenarioReport.StepReport(
                    step.name(),
                    applied,
                    results.size(),
                    seconds,
                    checks,
                    servedBy,
                    AccessLogQueries.authorizationDenials(ids, log));
            ReportPrinter.printStep(out, label, report);
            steps.add(report);
        }
        boolean passed = steps.stream().allMatch(ScenarioReport.StepReport::passed);
        out.println(passed ? "PASS " + scenario.name() : "FAIL " + scenario.name());
        return new ScenarioReport(
                scenario.name(), scenario.file().toString(), scenario.seed().orElse(null), passed, steps);
    }

    /** The current values of the counters the step's expectations name, keyed by workload and stat. */
    private Map<String, Long> counters(Scenario.Step step) {
        Map<String, Long> out = new HashMap<>();
        for (Scenario.Expectation e : step.expect()) {
            if (e instanceof Scenario.Counter c) {
                Long v = mesh.counters(c.workload()).get(c.stat());
                if (v != null) {
                    out.put(StepObservation.counterKey(c.workload(), c.stat()), v);
                }
            }
        }
        return out;
    }

    /** A one-line progress indicator that rewrites itself on a terminal and prints quarters elsewhere. */
    private static final class Progress {
        private final PrintStream out;
        private final int total;
        private final boolean tty = System.console() != null;
        private int lastQuarter;

        Progress(PrintStream out, int total) {
            this.out = out;
            this.total = total;
        }

        synchronized void update(int done) {
            if (tty) {
                if (done % Math.max(1, total / 50) == 0 || done == total) {
                    out.printf(Locale.ROOT, "\r  sent %d/%d", done, total);
                }
            } else {
                int quarter = done * 4 / total;
                if (quarter > lastQuarter && quarter < 4) {
                    lastQuarter = quarter;
                    out.printf(Locale.ROOT, "  sent %d/%d%n", done, total);
                }
            }
        }

        void finish() {
            if (tty) {
                out.println();
            }
        }
    }
}
