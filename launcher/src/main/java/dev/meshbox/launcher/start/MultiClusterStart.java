package dev.meshbox.launcher.start;

import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.scenarios.Scenario;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalLong;

/** Starts a multi-cluster mesh as a scenario's {@code clusters} or {@code @MeshTest(clusters)} ask for it. */
public final class MultiClusterStart {

    private MultiClusterStart() {}

    /**
     * The clusters: on the local backend each on its own loopback block and ADS port, on docker each on its own Docker
     * network.
     *
     * @throws IllegalArgumentException on a Kubernetes backend (two kubeconfigs are not there yet), or for clusters
     *     {@link MultiClusterMesh} refuses
     */
    public static StartedMesh startIsolated(
            Backends.Target target,
            List<Scenario.Cluster> clusters,
            OptionalLong seed,
            MeshConfigFile.Settings meshConfig,
            PrintStream progress)
            throws InterruptedException {
        return startIsolated(target, clusters, MultiClusterModel.MULTI_PRIMARY, seed, meshConfig, progress);
    }

    /** As above, in {@code model} (a scenario's {@code multicluster:}). */
    public static StartedMesh startIsolated(
            Backends.Target target,
            List<Scenario.Cluster> clusters,
            MultiClusterModel model,
            OptionalLong seed,
            MeshConfigFile.Settings meshConfig,
            PrintStream progress)
            throws InterruptedException {
        if (Backends.DOCKER.equals(target.backend())) {
            // Each cluster its own Docker network, the gateways the only way between them.
            return dev.meshbox.launcher.docker.DockerClusters.start(
                    specs(clusters),
                    model,
                    dev.meshbox.launcher.docker.DockerMesh.Options.isolated(seed)
                            .withMeshConfig(meshConfig),
                    progress);
        }
        if (!Backends.LOCAL.equals(target.backend())) {
            throw new IllegalArgumentException(
                    "clusters run on the local and docker backends only so far (got --backend " + target.backend()
                            + "); run this scenario with --backend local or docker");
        }
        LocalOptions options = LocalOptions.isolated(seed);
        return MultiClusterMesh.start(
                specs(clusters), model, options.withSecurity(meshConfig.applyTo(options.security())), progress);
    }

    /** Each cluster's mesh: its workloads, as {@link MeshSpec#of} builds a one-cluster mesh. */
    public static List<MultiClusterMesh.ClusterSpec> specs(List<Scenario.Cluster> clusters) {
        return clusters.stream()
                .map(c -> new MultiClusterMesh.ClusterSpec(c.name(), c.network(), MeshSpec.of(c.workloads())))
                .toList();
    }
}
