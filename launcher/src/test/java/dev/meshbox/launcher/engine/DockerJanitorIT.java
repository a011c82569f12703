package dev.meshbox.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.image.AppImage;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The janitor against a real engine: what a killed run left goes, what a live process owns stays. */
@RequiresDocker
class DockerJanitorIT {

    /** Bookinfo's details app: a container that keeps running. */
    private static final String[] DETAILS_V1 = {
        "java",
        "-cp",
        AppImage.JAR,
        "dev.meshbox.bookinfo.Main",
        "--service",
        "details",
        "--version",
        "v1",
        "--listen",
        "0.0.0.0:9080",
        "--proxy",
        "127.0.0.1:15001"
    };

    private static DockerClient docker;
    private static String image;

    @BeforeAll
    static void buildOnce() {
        docker = DockerEngine.client();
        image = AppImage.ensure(docker, System.out).tag();
    }

    @Test
    void janitorRemovesWhatADeadRunLeftButNotALiveOne() throws Exception {
        Map<String, String> deadOwner = Labels.owned("app");
        deadOwner.put(Labels.OWNER, Labels.ownerOf(exitedPid()));
        String network = docker.createNetworkCmd()
                .withName("meshbox-stale-" + System.nanoTime())
                .withLabels(deadOwner)
                .exec()
                .getId();
        String stale = docker.createContainerCmd(image)
                .withCmd(DETAILS_V1)
                .withLabels(deadOwner)
                .exec()
                .getId();
        String live = docker.createContainerCmd(image)
                .withCmd(DETAILS_V1)
                .withLabels(Labels.owned("app"))
                .exec()
                .getId();
        try {
            docker.startContainerCmd(stale).exec();
            docker.connectToNetworkCmd()
                    .withNetworkId(network)
                    .withContainerId(stale)
                    .exec();

            DockerJanitor.Removed removed = new DockerJanitor(docker).removeStale();

            assertThat(removed.containers()).isGreaterThanOrEqualTo(1);
            assertThat(removed.networks()).isGreaterThanOrEqualTo(1);
            assertThat(ids(Map.of(Labels.MESHBOX, "true")))
                    .doesNotContain(stale)
                    .contains(live);
            assertThat(docker.listNetworksCmd().exec()).noneMatch(n -> n.getId().equals(network));
        } finally {
            docker.removeContainerCmd(live).withForce(true).exec();
        }
    }

    private static java.util.List<String> ids(Map<String, String> labels) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().stream()
                .map(c -> c.getId())
                .toList();
    }

    /** The pid of a process that has exited: what a killed run's owner label looks like. */
    private static long exitedPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
