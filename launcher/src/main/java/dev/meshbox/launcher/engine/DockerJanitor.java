package dev.meshbox.launcher.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.util.List;
import java.util.Map;

/**
 * Removes the containers and networks a killed MeshBox run left behind. Testcontainers' Ryuk would reap them,
 * but it is off here (its image cannot be pulled), so the next run cleans up instead. Only resources whose
 * owner process is gone are touched: a mesh another MeshBox process is running stays up. Images are never
 * removed; they are the cache.
 */
public final class DockerJanitor {

    /** How much was removed, for a progress line. */
    public record Removed(int containers, int networks) {
        public boolean any() {
            return containers > 0 || networks > 0;
        }
    }

    private final DockerClient docker;

    public DockerJanitor(DockerClient docker) {
        this.docker = docker;
    }

    public Removed removeStale() {
        String host = Labels.hostName();
        int containers = 0;
        List<Container> labelled = docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(Labels.MESHBOX, "true"))
                .exec();
        for (Container container : labelled) {
            if (buildStep(container)) {
                continue;
            }
            if (Labels.isStale(container.getLabels(), host, DockerJanitor::alive)) {
                try {
                    docker.removeContainerCmd(container.getId())
                            .withForce(true)
                            .withRemoveVolumes(true)
                            .exec();
                    containers++;
                } catch (NotFoundException raced) {
                    // removed meanwhile, by its owner or another janitor: the goal is met
                }
            }
        }
        // Networks after containers: an engine refuses to remove a network that still has endpoints.
        int networks = 0;
        List<Network> labelledNetworks = docker.listNetworksCmd()
                .withFilter("label", List.of(Labels.MESHBOX + "=true"))
                .exec();
        for (Network network : labelledNetworks) {
            if (Labels.isStale(network.getLabels(), host, DockerJanitor::alive)) {
                try {
                    docker.removeNetworkCmd(network.getId()).exec();
                    networks++;
                } catch (NotFoundException raced) {
                    // as above
                }
            }
        }
        return new Removed(containers, networks);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * A running container with the project's label but no owner is a {@code RUN} step of an image build (the step's
     * container inherits the labels of the image being built): another run's build, never stale while it runs.
     */
    static boolean buildStep(Container container) {
        Map<String, String> labels = container.getLabels();
        return "running".equals(container.getState()) && (labels == null || !labels.containsKey(Labels.OWNER));
    }
}
