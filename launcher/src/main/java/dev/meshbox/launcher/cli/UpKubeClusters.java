package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.backend.PrefixedLines;
import dev.meshbox.launcher.kube.Clusters;
import dev.meshbox.launcher.kube.KubeClusters;
import dev.meshbox.launcher.kube.KubeMesh;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.Scenario;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * {@code up --backend kubernetes --clusters N}: Istio's multi-primary install on N clusters, each named by a
 * {@code --kubeconfig} (its current context) or a {@code --context} (of one kubeconfig, or paired with the
 * kubeconfigs), as cluster1 ... on network1 ... (one network with {@code --single-network}), one root CA (or the
 * user's {@code --cacerts DIR/clusterN}); see {@link KubeClusters}. cluster1's ingress and admin API are forwarded to
 * 8080 and 15014, the others' to free ports.
 */
final class UpKubeClusters {

    /** A cluster as the command line names it: a kubeconfig and a context of it (null: its current context). */
    record Ref(Path kubeconfig, String context) {
        @Override
        public String toString() {
            return context == null ? kubeconfig.toString() : "context " + context + " of " + kubeconfig;
        }
    }

    private UpKubeClusters() {}

    /**
     * One cluster per {@code --kubeconfig} (their current contexts), or per {@code --context} (all in the one
     * kubeconfig given, or in kubectl's default one, or paired with as many kubeconfigs).
     */
    static List<Ref> refs(
            CommandLine cmd,
            List<Path> kubeconfigs,
            List<String> contexts,
            int count,
            Supplier<Path> defaultKubeconfig) {
        List<Ref> out = new ArrayList<>();
        if (contexts.isEmpty() && kubeconfigs.size() == count) {
            kubeconfigs.forEach(k -> out.add(new Ref(k, null)));
        } else if (contexts.size() == count && kubeconfigs.size() <= 1) {
            Path k = kubeconfigs.isEmpty() ? defaultKubeconfig.get() : kubeconfigs.get(0);
            contexts.forEach(c -> out.add(new Ref(k, c)));
        } else if (contexts.size() == count && kubeconfigs.size() == count) {
            for (int i = 0; i < count; i++) {
                out.add(new Ref(kubeconfigs.get(i), contexts.get(i)));
            }
        } else {
            throw new CommandLine.ParameterException(
                    cmd,
                    "--clusters " + count + " on --backend kubernetes needs a cluster each: --kubeconfig FILE "
                            + count + " times, or --context NAME " + count + " times (contexts of one kubeconfig);"
                            + " got " + kubeconfigs.size() + " --kubeconfig and " + contexts.size() + " --context");
        }
        return out;
    }

    /** {@code --cacerts DIR} for one cluster: Istio's cacerts files in DIR itself. */
    static void checkOne(CommandLine cmd, Path cacerts) {
        if (cacerts != null) {
            try {
                ClusterCerts.checkCacerts("Kubernetes", cacerts);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        cmd, e.getMessage().replaceFirst("^cluster Kubernetes: cacerts ", "--cacerts "));
            }
        }
    }

    static int run(
            CommandLine cmd,
            PrintStream out,
            BackendOption backend,
            int count,
            MultiClusterModel model,
            boolean singleNetwork,
            List<Scenario.Workload> workloads,
            Long seed,
            MeshConfigFile.Settings meshSettings,
            Path cacerts)
            throws InterruptedException {
        if (model != MultiClusterModel.MULTI_PRIMARY) {
            throw new CommandLine.ParameterException(
                    cmd, "--multicluster global runs on the local backend; Kubernetes clusters run multi-primary");
        }
        List<Ref> refs = refs(
                cmd,
                backend.kubeconfigs(),
                backend.contexts(),
                count,
                () -> Backends.Target.of(Backends.KUBERNETES).kubeconfigOrDefault());
        if (cacerts != null) {
            try {
                for (int i = 1; i <= count; i++) {
                    ClusterCerts.checkCacerts("cluster" + i, cacerts.resolve("cluster" + i));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, "--cacerts " + cacerts + ": " + e.getMessage());
            }
        }
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend kubernetes, " + count + " clusters) ...");
        List<KubeClusters.Target> targets = connect(refs, backend.image(), singleNetwork, out);
        KubeMesh.Options options = KubeMesh.Options.standard(
                        targets.get(0).image(), seed == null ? OptionalLong.empty() : OptionalLong.of(seed))
                .withMeshConfig(meshSettings);
        KubeClusters clusters = KubeClusters.start(
                targets, MeshSpec.of(workloads), options, cacerts, Duration.ofMinutes(2), KubeClusters.MESH, out);
        UntilStopped stopped = UntilStopped.onShutdown(
                "Stopping MeshBox: deleting what it created in " + count + " clusters ...", clusters);
        out.printf("%nMeshBox is up on %d Kubernetes clusters in %.1f s.%n", count, (System.nanoTime() - t0) / 1e9);
        boolean bookinfo = workloads.stream()
                .anyMatch(w -> w instanceof Scenario.Builtin b && b.name().equals("bookinfo"));
        Map<String, AutoCloseable> meshes = clusters.meshes();
        for (int i = 0; i < targets.size(); i++) {
            KubeClusters.Target t = targets.get(i);
            KubeMesh mesh = (KubeMesh) meshes.get(t.name());
            out.printf(
                    "  %-9s ingress http://127.0.0.1:%d%s   admin API %s   network %s   (%s, mesh %s)%n",
                    t.name(),
                    mesh.ingress().getPort(),
                    bookinfo ? "/productpage" : "",
                    mesh.admin(),
                    t.network(),
                    refs.get(i),
                    mesh.meshId());
        }
        out.println("  kubectl        kubectl get secrets -n istio-system -l istio/multiCluster=true (each cluster)");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /** A client per cluster (closed again if another cannot be reached); the same API server twice is refused. */
    private static List<KubeClusters.Target> connect(
            List<Ref> refs, String image, boolean singleNetwork, PrintStream out) {
        List<KubeClusters.Target> targets = new ArrayList<>();
        Map<String, String> servers = new java.util.HashMap<>();
        try {
            for (int i = 0; i < refs.size(); i++) {
                String name = "cluster" + (i + 1);
                Clusters.Cluster c = Clusters.existing(
                        refs.get(i).kubeconfig(),
                        refs.get(i).context(),
                        image,
                        PrefixedLines.of(out, "[" + name + "] "));
                targets.add(new KubeClusters.Target(
                        name, singleNetwork ? "network1" : "network" + (i + 1), c.client(), c.image()));
                String server = c.client().getConfiguration().getMasterUrl();
                String before = servers.putIfAbsent(server, name);
                if (before != null) {
                    throw new IllegalArgumentException(before + " and " + name + " are the same cluster (API server "
                            + server + "): give each cluster its own kubeconfig or context");
                }
            }
            return targets;
        } catch (RuntimeException e) {
            targets.forEach(t -> t.client().close());
            throw e;
        }
    }
}
