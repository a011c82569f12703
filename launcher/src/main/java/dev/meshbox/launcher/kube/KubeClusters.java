package dev.meshbox.launcher.kube;

import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.ClusterStarts;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PrefixedLines;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code up --backend kubernetes --clusters N}: Istio's "Install multi-primary on different networks" on N clusters,
 * each from its own kubeconfig or context. Per cluster, MeshBox's control plane as istiod with the cluster's id
 * ({@code CLUSTER_ID}), network (the {@code topology.istio.io/network} label of {@code istio-system}) and plug-in CA
 * (the {@code cacerts} Secret: an intermediate per cluster under one root, {@link ClusterCerts}, or the user's
 * {@code DIR/cluster1}, ...), the ingress gateway and the workloads; then {@link KubeMultiCluster#link}: the east-west
 * gateway and {@code expose-services.yaml} per network and the remote secrets both ways. Progress lines are prefixed
 * {@code [clusterN]}. Closing removes the linking objects and then each cluster's mesh.
 */
public final class KubeClusters implements AutoCloseable {

    /** A cluster to install on: its name (cluster id), network, and client; {@code image} as its nodes pull it. */
    public record Target(String name, String network, KubernetesClient client, String image) {}

    /** Installs one cluster's mesh ({@link KubeMesh#start} on a real cluster) and returns what removes it. */
    @FunctionalInterface
    public interface Installer {
        AutoCloseable install(KubernetesClient client, MeshSpec spec, KubeMesh.Options options, PrintStream progress)
                throws InterruptedException;
    }

    /** The real one: {@link KubeMesh#start}, the cluster's client closed with the mesh. */
    public static final Installer MESH =
            (client, spec, options, progress) -> KubeMesh.start(client, spec, options, progress, client::close);

    private final List<Target> targets;
    private final Map<String, AutoCloseable> meshes = new LinkedHashMap<>();
    private Path generated;

    private KubeClusters(List<Target> targets) {
        this.targets = targets;
    }

    /**
     * Installs a mesh running {@code spec} in every cluster and links them.
     *
     * @param base      cluster1's options (its image, ingress and admin API ports); the others forward from free ports
     * @param cacerts   the user's Istio {@code cacerts} layout ({@code DIR/cluster1}, ...), or null for a fresh root
     * @param tokenWait how long each reader's token may take (Kubernetes' token controller fills it in)
     */
    public static KubeClusters start(
            List<Target> targets,
            MeshSpec spec,
            KubeMesh.Options base,
            Path cacerts,
            Duration tokenWait,
            Installer installer,
            PrintStream progress)
            throws InterruptedException {
        KubeMultiCluster.requireDistinct(targets.stream()
                .map(t -> new KubeMultiCluster.Member(t.name(), t.network(), t.client(), null))
                .toList());
        KubeClusters clusters = new KubeClusters(targets);
        try {
            Map<String, Path> certs = clusters.cacerts(cacerts);
            if (cacerts != null) {
                ClusterCerts.rootsNotShared(certs).forEach(p -> progress.println("warning: " + p));
            }
            List<CompletableFuture<AutoCloseable>> starting = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                Target t = targets.get(i);
                KubeMesh.Options options = (i == 0
                                ? base
                                : new KubeMesh.Options(t.image(), base.seed(), 0, 0, base.ready())
                                        .withMeshConfig(base.meshConfig()))
                        .withCluster(new KubeClusterIdentity(t.name(), t.network(), certs.get(t.name())));
                PrintStream out = PrefixedLines.of(progress, "[" + t.name() + "] ");
                // A thread each: an install mostly waits on its cluster (the common pool may have one thread).
                starting.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return installer.install(t.client(), spec, options, out);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new CompletionException(e);
                            }
                        },
                        r -> {
                            Thread thread = new Thread(r, "meshbox-install-" + t.name());
                            thread.setDaemon(true);
                            thread.start();
                        }));
            }
            RuntimeException failed =
                    ClusterStarts.joinAll(targets.stream().map(Target::name).toList(), starting, clusters.meshes);
            if (failed != null) {
                throw failed;
            }
            // The keys are in the clusters' cacerts Secrets now: none stays on this machine's disk.
            clusters.deleteGenerated();
            KubeMultiCluster.link(
                    targets.stream()
                            .map(t -> new KubeMultiCluster.Member(t.name(), t.network(), t.client(), null))
                            .toList(),
                    targets.get(0).image(),
                    tokenWait,
                    progress);
            return clusters;
        } catch (RuntimeException | InterruptedException e) {
            try {
                clusters.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Each cluster's cacerts directory: the user's {@code DIR/NAME}, checked, or generated under one fresh root. */
    private Map<String, Path> cacerts(Path dir) {
        List<String> names = targets.stream().map(Target::name).toList();
        if (dir != null) {
            Map<String, Path> out = new LinkedHashMap<>();
            for (String name : names) {
                ClusterCerts.checkCacerts(name, dir.resolve(name));
                out.put(name, dir.resolve(name));
            }
            return out;
        }
        try {
            generated = Files.createTempDirectory("meshbox-cacerts-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the clusters' CA: " + e.getMessage(), e);
        }
        return ClusterCerts.generate(generated, names);
    }

    /** The clusters' meshes by name, as started (a {@link KubeMesh} each on real clusters). */
    public Map<String, AutoCloseable> meshes() {
        return Map.copyOf(meshes);
    }

    /** Removes the linking objects, then each cluster's mesh, last first; names what could not be removed. */
    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        for (Target t : targets) {
            try {
                KubeMultiCluster.unlink(
                        t.client(), t.name(), targets.stream().map(Target::name).toList());
            } catch (RuntimeException e) {
                problems.add("cluster " + t.name() + ": " + e.getMessage());
            }
        }
        List<String> names = new ArrayList<>(meshes.keySet());
        java.util.Collections.reverse(names);
        for (String name : names) {
            try {
                meshes.get(name).close();
            } catch (Exception e) {
                problems.add("cluster " + name + ": " + e.getMessage());
            }
        }
        meshes.clear();
        deleteGenerated();
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }

    private void deleteGenerated() {
        if (generated != null) {
            ClusterStarts.deleteTree(generated);
            generated = null;
        }
    }
}
