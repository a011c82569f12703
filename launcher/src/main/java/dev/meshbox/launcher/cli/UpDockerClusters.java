package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.docker.DockerClusters;
import dev.meshbox.launcher.docker.DockerMesh;
import dev.meshbox.scenarios.Scenario;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code up --backend docker --clusters N}: N clusters ({@code cluster1} on {@code network1}, ...), each its own Docker
 * network, istiod container and ingress, the east-west gateways (with {@code --multicluster global}, the ingress
 * gateways on 15443) the only way between the networks. cluster1 publishes
 * {@code up}'s fixed ports (ingress 8080, admin API 15014); the others free ports, printed.
 */
final class UpDockerClusters {

    private UpDockerClusters() {}

    static int run(
            PrintStream out,
            int count,
            MultiClusterModel model,
            List<Scenario.Workload> workloads,
            Long seed,
            MeshConfigFile.Settings meshSettings,
            Path cacerts)
            throws InterruptedException {
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend docker, " + count + " clusters) ...");
        DockerClusters mesh = DockerClusters.start(
                UpClusters.specs(count, false, workloads, cacerts),
                model,
                DockerMesh.Options.standard(seed == null ? OptionalLong.empty() : OptionalLong.of(seed))
                        .withMeshConfig(meshSettings),
                out);
        UntilStopped stopped = UntilStopped.onShutdown(
                "Stopping MeshBox: removing the " + count + " clusters' containers and networks ...", mesh);
        out.printf("%nMeshBox is up on Docker in %.1f s (%d clusters).%n", (System.nanoTime() - t0) / 1e9, count);
        boolean bookinfo = workloads.stream()
                .anyMatch(w -> w instanceof Scenario.Builtin b && b.name().equals("bookinfo"));
        for (Map.Entry<String, DockerMesh> c : mesh.clusters().entrySet()) {
            DockerMesh m = c.getValue();
            out.printf(
                    "  %-9s ingress http://127.0.0.1:%d%s   admin API %s   network %s   containers: docker ps"
                            + " --filter label=dev.meshbox.mesh=%s%n",
                    c.getKey(),
                    m.ingress().getPort(),
                    bookinfo ? "/productpage" : "",
                    m.admin(),
                    m.network(),
                    m.meshId());
        }
        out.println("  (meshbox apply -f FILE goes to cluster1's admin API; apply to another with --admin URL)");
        if (model == MultiClusterModel.GLOBAL) {
            out.println("  (.global model: ServiceEntries take the gateway addresses printed above, as the docs'"
                    + " ${CLUSTERn_GW_ADDR}; meshbox apply sends the text as it is)");
        }
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
