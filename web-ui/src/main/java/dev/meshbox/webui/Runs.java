package dev.meshbox.webui;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioReport;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The scenario and lesson runs of this session: started in the background, watched live, kept for the session. */
final class Runs implements AutoCloseable {

    /** What a run does once it holds the mesh. */
    interface Job {
        ScenarioReport run(PrintStream progress) throws InterruptedException;
    }

    /** One bar of the split chart: a version's observed share against the expected share and its tolerance band. */
    record SplitBar(String version, Double expected, double observed, int count, boolean passed) {}

    /** The split of one versionShare expectation. */
    record SplitChart(int step, String stepName, String service, double tolerance, int total, List<SplitBar> bars) {}

    /** A run as the API returns it; {@code state} is running, passed, failed or error; times in epoch milliseconds. */
    record View(
            String id,
            String kind,
            String title,
            String source,
            String state,
            long started,
            Long finished,
            List<String> log,
            ScenarioReport report,
            List<SplitChart> charts,
            String error) {}

    private static final int MAX_LOG_LINES = 400;

    private final MeshGuard guard;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshbox-ui-runs");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    Runs(MeshGuard guard) {
        this.guard = guard;
    }

    /** Starts a run holding the mesh, or throws 409 when something else holds it. */
    View start(String kind, String title, String source, Scenario scenario, List<String> notes, Job job) {
        guard.acquire(kind + " " + title);
        Run run = new Run("run-" + ids.incrementAndGet(), kind, title, source, scenario);
        notes.forEach(run::line);
        synchronized (this) {
            runs.put(run.id, run);
        }
        try {
            worker.submit(() -> execute(run, job));
        } catch (RuntimeException e) {
            guard.release();
            throw e;
        }
        return run.view();
    }

    private void execute(Run run, Job job) {
        try (PrintStream progress = new PrintStream(new LineSink(run), true, StandardCharsets.UTF_8)) {
            ScenarioReport report = job.run(progress);
            run.finish(report, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.finish(null, "interrupted");
        } catch (RuntimeException e) {
            run.finish(null, e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            guard.release();
        }
    }

    synchronized List<View> all() {
        List<View> out = new ArrayList<>();
        runs.values().forEach(r -> out.add(r.view()));
        java.util.Collections.reverse(out);
        return out;
    }

    synchronized Optional<View> get(String id) {
        Run r = runs.get(id);
        return r == null ? Optional.empty() : Optional.of(r.view());
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** The observed split of every versionShare expectation of the scenario, from the versions that served each request. */
    static List<SplitChart> charts(Scenario scenario, ScenarioReport report) {
        List<SplitChart> out = new ArrayList<>();
        for (int i = 0; i < Math.min(scenario.steps().size(), report.steps().size()); i++) {
            ScenarioReport.StepReport step = report.steps().get(i);
            for (Scenario.Expectation e : scenario.steps().get(i).expect()) {
                if (!(e instanceof Scenario.VersionShare v)) {
                    continue;
                }
                List<String> served = step.servedBy().getOrDefault(v.service(), List.of());
                Map<String, Integer> counts = new TreeMap<>();
                served.forEach(version -> counts.merge(version, 1, Integer::sum));
                TreeSet<String> versions = new TreeSet<>(v.shares().keySet());
                versions.addAll(counts.keySet());
                List<SplitBar> bars = new ArrayList<>();
                for (String version : versions) {
                    int n = counts.getOrDefault(version, 0);
                    double observed = served.isEmpty() ? 0 : (double) n / served.size();
                    Double expected = v.shares().get(version);
                    boolean ok = expected == null || Math.abs(observed - expected) <= v.tolerance() + 1e-9;
                    bars.add(new SplitBar(version, expected, observed, n, ok));
                }
                out.add(new SplitChart(i + 1, step.name(), v.service(), v.tolerance(), served.size(), bars));
            }
        }
        return out;
    }

    private static final class Run {
        final String id;
        final String kind;
        final String title;
        final String source;
        final Scenario scenario;
        final Instant started = Instant.now();
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile Instant finished;
        volatile ScenarioReport report;
        volatile String error;

        Run(String id, String kind, String title, String source, Scenario scenario) {
            this.id = id;
            this.kind = kind;
            this.title = title;
            this.source = source;
            this.scenario = scenario;
        }

        void line(String s) {
            if (log.size() < MAX_LOG_LINES) {
                log.add(s);
            }
        }

        void finish(ScenarioReport r, String err) {
            report = r;
            error = err;
            finished = Instant.now();
        }

        View view() {
            String state =
                    finished == null ? "running" : error != null ? "error" : report.passed() ? "passed" : "failed";
            ScenarioReport r = report;
            return new View(
                    id,
                    kind,
                    title,
                    source,
                    state,
                    started.toEpochMilli(),
                    finished == null ? null : finished.toEpochMilli(),
                    List.copyOf(log),
                    r,
                    r == null ? List.of() : charts(scenario, r),
                    error);
        }
    }

    /** Turns the runner's printed progress into lines; a carriage return (a terminal's rewrite) ends a line too. */
    private static final class LineSink extends OutputStream {
        private final Run run;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSink(Run run) {
            this.run = run;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n' || b == '\r') {
                flushLine();
            } else {
                line.write(b);
            }
        }

        private void flushLine() {
            if (line.size() > 0) {
                run.line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
        }

        @Override
        public synchronized void close() {
            flushLine();
        }
    }
}
