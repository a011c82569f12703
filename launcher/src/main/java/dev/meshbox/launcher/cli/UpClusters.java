package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.lifecycle.StartupTrace;
import dev.meshbox.scenarios.Scenario;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code up --clusters N} on the local backend: N clusters ({@code cluster1} ... on {@code network1} ..., or one network
 * with {@code --single-network}), each running the {@code --workloads} (two full Bookinfos by default), its own control
 * plane and ingress. cluster1 binds {@code up}'s fixed ports (ingress 8080, xDS 15010, admin API 15014); the others
 * an ephemeral xDS port and their own loopback block, printed with their ingress.
 */
final class UpClusters {

    private UpClusters() {}

    /** The web UI of {@code up}: its port (0: none) and the user's scenario folder. */
    record Ui(int port, Path scenarioDir) {}

    /** Istio's layout of {@code make cluster1-cacerts ...}: {@code DIR/cluster1}, {@code DIR/cluster2}, ... */
    static List<MultiClusterMesh.ClusterSpec> specs(
            int count, boolean singleNetwork, List<Scenario.Workload> workloads, Path cacerts) {
        List<MultiClusterMesh.ClusterSpec> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = "cluster" + i;
            out.add(new MultiClusterMesh.ClusterSpec(
                    name,
                    singleNetwork ? "network1" : "network" + i,
                    MeshSpec.of(workloads),
                    cacerts == null ? null : cacerts.resolve(name)));
        }
        return out;
    }

    /** {@code --multicluster MODEL}: a model's word, and only with several clusters. */
    static MultiClusterModel model(picocli.CommandLine cmd, String word, int clusters) {
        MultiClusterModel model;
        try {
            model = MultiClusterModel.of(word);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(cmd, "--multicluster " + word + ": " + e.getMessage());
        }
        if (model != MultiClusterModel.MULTI_PRIMARY && clusters < 2) {
            throw new picocli.CommandLine.ParameterException(
                    cmd, "--multicluster " + word + " needs --clusters 2 or more");
        }
        return model;
    }

    /** Zipkin and Prometheus run beside one cluster's mesh; with several clusters they are refused, not ignored. */
    static void checkAddons(picocli.CommandLine cmd, int clusters, boolean tracing, boolean prometheus) {
        if (clusters > 1 && (tracing || prometheus)) {
            throw new picocli.CommandLine.ParameterException(
                    cmd,
                    (tracing ? "--tracing" : "--prometheus") + ": the addons run with one cluster for now; drop it or"
                            + " run --clusters 1 (with --clusters N each cluster's metrics are on its proxies'"
                            + " /stats/prometheus and in the web UI)");
        }
    }

    static int run(
            PrintStream out,
            int count,
            MultiClusterModel model,
            boolean singleNetwork,
            List<Scenario.Workload> workloads,
            Long seed,
            MeshConfigFile.Settings meshSettings,
            Path cacerts,
            Ui uiOptions)
            throws InterruptedException {
        StartupTrace.mark("up --clusters: arguments checked");
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend local, " + count + " clusters) ...");
        LocalOptions options = LocalOptions.standard(seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
        MultiClusterMesh mesh = MultiClusterMesh.start(
                specs(count, singleNetwork, workloads, cacerts),
                model,
                options.withSecurity(meshSettings.applyTo(SecurityOptions.DEFAULTS)),
                out);
        AdminServer admin;
        try {
            admin = new AdminServer(
                    mesh.cluster("cluster1").control(),
                    dev.meshbox.launcher.admin.ClusterTargets.of(mesh),
                    "127.0.0.1",
                    AdminServer.PORT);
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        dev.meshbox.launcher.ui.LessonMeshUi uiMesh;
        dev.meshbox.webui.WebUi ui;
        try {
            uiMesh = UpClustersUi.mesh(mesh, model, workloads);
            ui = uiOptions.port() == 0 ? null : UpClustersUi.start(uiMesh, uiOptions.port(), uiOptions.scenarioDir());
        } catch (RuntimeException e) {
            admin.close();
            mesh.close();
            throw e;
        }
        UntilStopped stopped =
                UntilStopped.onShutdown("Stopping MeshBox (" + count + " clusters) ...", ui, uiMesh, admin, mesh);
        StartupTrace.mark("up --clusters: up");
        out.printf("%nMeshBox is up in %.1f s (%d clusters).%n", (System.nanoTime() - t0) / 1e9, count);
        boolean bookinfo = workloads.stream()
                .anyMatch(w -> w instanceof Scenario.Builtin b && b.name().equals("bookinfo"));
        for (Map.Entry<String, LocalMesh> c : mesh.clusters().entrySet()) {
            LocalMesh m = c.getValue();
            java.net.InetSocketAddress ingress = m.ingress();
            out.printf(
                    "  %-9s ingress http://%s:%d%s   xDS (ADS) 127.0.0.1:%d   network %s%n",
                    c.getKey(),
                    ingress.getAddress().getHostAddress(),
                    ingress.getPort(),
                    bookinfo ? "/productpage" : "",
                    m.controlPlane().xdsPort(),
                    m.controlPlane().network());
        }
        if (ui != null) {
            out.println("  Web UI         " + ui.url() + "   (every cluster)");
        }
        out.println("  Admin API      http://127.0.0.1:" + AdminServer.PORT
                + "/proxies   (cluster1; meshbox apply -f FILE [--cluster NAME])");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
