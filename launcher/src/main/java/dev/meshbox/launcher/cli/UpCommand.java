package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioLoader;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox up}: starts Bookinfo behind the ingress and serves until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the mesh with Bookinfo; the ingress serves http://127.0.0.1:8080/productpage. Ctrl-C stops it.")
public final class UpCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @CommandLine.Option(names = "--seed", description = "Make every random routing choice reproducible.")
    Long seed;

    @CommandLine.Option(names = "--workloads", split = ",", defaultValue = "bookinfo", paramLabel = "NAME",
            description = "What to run, comma-separated: bookinfo, httpbin, httpbin-v2, sleep, fortio (default: ${DEFAULT-VALUE}).")
    List<String> workloads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        backend.check(spec);
        for (String w : workloads) {
            if (!ScenarioLoader.BUILTIN.contains(w)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workloads " + w + ": unknown workload; expected some of "
                        + ScenarioLoader.BUILTIN.stream().sorted().toList());
            }
        }
        PrintStream out = spec.commandLine().getOut() == null ? System.out : new PrintStream(System.out, true);
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend local) ...");
        LocalMesh mesh = LocalMesh.start(MeshSpec.of(workloads.stream().map(w -> (Scenario.Workload) new Scenario.Builtin(w)).toList()), LocalOptions.standard(seed == null ? OptionalLong.empty() : OptionalLong.of(seed)), out);
        AdminServer admin;
        try {
            admin = new AdminServer(mesh, "127.0.0.1", AdminServer.PORT);
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.out.println("\nStopping MeshBox ...");
            admin.close();
            mesh.close();
            stopped.countDown();
        }, "meshbox-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Runtime rt = Runtime.getRuntime();
        out.printf("%nMeshBox is up in %.1f s (heap in use %d MB).%n", (System.nanoTime() - t0) / 1e9,
                (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024));
        if (workloads.contains("bookinfo")) {
            out.println("  Bookinfo       http://127.0.0.1:8080/productpage");
        }
        out.println("  Admin API      http://127.0.0.1:" + AdminServer.PORT + "/proxies   (meshbox apply -f FILE)");
        out.println("  xDS (ADS)      127.0.0.1:" + mesh.controlPlane().xdsPort());
        mesh.pods().forEach(p -> out.printf("  %-20s http://%s:15000/config_dump%n", p.pod().app(), p.pod().ip()));
        out.println("Try: ./meshbox apply -f FILE | ./meshbox logs productpage | ./meshbox load -c 3 -n 30 --from productpage http://reviews:9080/reviews/0");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
