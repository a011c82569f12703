package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.registry.docker.DockerApi;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The docker backend's remote secrets: for each other cluster ({@code --remote cluster2=MESH/NETWORK}) a registry of
 * its own, fed from the same Docker engine filtered by that cluster's mesh id and network, handed to
 * {@link ControlPlane#addRemoteCluster} as istiod's secret controller hands it a remote cluster's API server. Its gateway
 * pods are seen at their IP on this cluster's network, the only way across networks.
 */
final class DockerRemoteClusters implements AutoCloseable {

    /** One other cluster: its id, its mesh id (container label) and its Docker network. */
    record Remote(String clusterId, String meshId, String network) {}

    private final List<DockerRegistry> registries;

    private DockerRemoteClusters(List<DockerRegistry> registries) {
        this.registries = registries;
    }

    /** {@code cluster2=1a2b3c/meshbox-1a2b3c}, each; a clear error naming the option otherwise. */
    static List<Remote> parse(List<String> values) {
        List<Remote> out = new ArrayList<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            int slash = v.indexOf('/', eq + 1);
            if (eq <= 0 || slash <= eq + 1 || slash == v.length() - 1) {
                throw new IllegalArgumentException(
                        "--remote " + v + ": expected CLUSTER=MESH/NETWORK, e.g. cluster2=1a2b3c/meshbox-1a2b3c");
            }
            out.add(new Remote(v.substring(0, eq), v.substring(eq + 1, slash), v.substring(slash + 1)));
        }
        return out;
    }

    /**
     * Starts watching every remote cluster from the engine at {@code dockerHost}; an engine that cannot be read is a
     * warning (the watch keeps polling), never a failed control plane.
     */
    static DockerRemoteClusters watch(
            String dockerHost, String ownNetwork, List<Remote> remotes, ControlPlane controlPlane) {
        List<DockerRegistry> started = new ArrayList<>();
        for (Remote r : remotes) {
            ServiceRegistry remote = new ServiceRegistry();
            DockerRegistry registry =
                    new DockerRegistry(DockerApi.of(dockerHost), r.meshId(), r.network(), remote, ownNetwork);
            try {
                registry.start();
            } catch (IOException e) {
                System.err.println("warning: remote cluster " + r.clusterId() + " (mesh " + r.meshId()
                        + "): cannot read the Docker engine yet: " + e.getMessage());
            }
            controlPlane.addRemoteCluster(r.clusterId(), remote);
            started.add(registry);
        }
        return new DockerRemoteClusters(started);
    }

    @Override
    public void close() {
        registries.forEach(DockerRegistry::close);
    }
}
