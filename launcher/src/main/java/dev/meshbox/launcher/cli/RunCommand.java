package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.ReportPrinter;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioException;
import dev.meshbox.scenarios.ScenarioLoader;
import dev.meshbox.scenarios.ScenarioReport;
import dev.meshbox.scenarios.ScenarioRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox run SCENARIO}: a fresh mesh, the scenario's steps, a result table; exit 0 pass, 1 fail, 2 bad input. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run a scenario file on a fresh mesh and check its expectations. Exit 0 if all hold, 1 if one fails, 2 for bad input.")
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Parameters(
            paramLabel = "SCENARIO",
            description = "The scenario file, e.g. scenarios/canary-90-10.yaml.")
    Path scenarioFile;

    @CommandLine.Option(names = "--report", paramLabel = "FILE", description = "Write the results as JSON.")
    Path report;

    @CommandLine.Option(
            names = "--junit",
            paramLabel = "FILE",
            description = "Write the results as JUnit XML, for CI systems.")
    Path junit;

    @CommandLine.Option(
            names = "--seed",
            description = "Make every random routing choice reproducible (overrides the file's seed).")
    Long seed;

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        backend.check(spec);
        PrintStream out = new PrintStream(System.out, true);
        Scenario scenario;
        try {
            scenario = new ScenarioLoader().load(scenarioFile);
        } catch (ScenarioException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
        OptionalLong s = seed != null
                ? OptionalLong.of(seed)
                : scenario.seed().map(OptionalLong::of).orElse(OptionalLong.empty());
        out.println("Starting a mesh for " + scenarioFile + (s.isPresent() ? " (seed " + s.getAsLong() + ")" : "")
                + (backend.name().equals("local") ? "" : " on " + backend.name()) + " ...");
        dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig;
        try {
            meshConfig = scenario.tracing()
                    ? dev.meshbox.launcher.addons.Addons.tracingMeshConfig(
                            scenarioFile + ": meshConfig", scenario.meshConfig())
                    : scenario.meshConfig()
                            .map(text -> dev.meshbox.controlplane.security.MeshConfigFile.read(
                                    scenarioFile + ": meshConfig", text))
                            .orElse(dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
        // A scenario's Zipkin listens on its pod address only: runs side by side each have their own.
        java.util.Optional<dev.meshbox.launcher.addons.ZipkinAddon> zipkin = scenario.tracing()
                ? java.util.Optional.of(new dev.meshbox.launcher.addons.ZipkinAddon(
                        dev.meshbox.launcher.addons.ZipkinJar.resolve(out), false))
                : java.util.Optional.empty();
        MeshSpec meshSpec = MeshSpec.of(scenario.workloads());
        try (StartedMesh mesh = scenario.clusters().isEmpty()
                ? Backends.startIsolated(
                        backend.target(), zipkin.map(z -> z.addTo(meshSpec)).orElse(meshSpec), s, meshConfig, out)
                : dev.meshbox.launcher.start.MultiClusterStart.startIsolated(
                        backend.target(),
                        scenario.clusters(),
                        scenario.multicluster().isEmpty()
                                ? dev.meshbox.launcher.backend.MultiClusterModel.MULTI_PRIMARY
                                : dev.meshbox.launcher.backend.MultiClusterModel.of(scenario.multicluster()),
                        s,
                        meshConfig,
                        out)) {
            java.util.Optional<String> zipkinUrl = Backends.zipkin(zipkin, mesh)
                    .map(a -> "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/zipkin/");
            zipkinUrl.ifPresent(url -> out.println("Zipkin " + url));
            ScenarioReport result;
            try {
                ScenarioRunner runner = new ScenarioRunner(mesh, out, s);
                zipkinUrl.flatMap(dev.meshbox.scenarios.ZipkinTraces::baseOf).ifPresent(runner::withZipkin);
                result = runner.run(scenario);
            } catch (ScenarioException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return 2;
            }
            if (report != null) {
                ReportPrinter.writeJson(result, report);
                out.println("Report written to " + report);
            }
            if (junit != null) {
                ReportPrinter.writeJUnit(result, junit);
                out.println("JUnit XML written to " + junit);
            }
            return result.passed() ? 0 : 1;
        }
    }
}
