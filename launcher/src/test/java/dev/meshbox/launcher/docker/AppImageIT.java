package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

@RequiresDocker
class AppImageIT {

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
    private static AppImage.Image image;

    @BeforeAll
    static void buildOnce() {
        docker = DockerEngine.client();
        image = AppImage.ensure(docker, System.out);
    }

    @Test
    void secondEnsureReusesTheImage() {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        AppImage.Image again = AppImage.ensure(docker, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(again).isEqualTo(image);
        assertThat(progress.toString(StandardCharsets.UTF_8))
                .as("nothing was built")
                .isEmpty();
        assertThat(docker.inspectImageCmd(image.tag()).exec().getConfig().getLabels())
                .containsEntry(Labels.MESHBOX, "true")
                .containsEntry(Labels.KIND, "app");
    }

    @Test
    void detailsAppAnswersThroughTheMappedPort() throws Exception {
        try (Network network = labelledNetwork();
                GenericContainer<?> details = new GenericContainer<>(DockerImageName.parse(image.tag()))
                        .withNetwork(network)
                        .withNetworkAliases("details")
                        .withLabels(Labels.owned("app"))
                        .withCommand(DETAILS_V1)
                        .withExposedPorts(9080)
                        .waitingFor(Wait.forHttp("/details/0")
                                .forStatusCode(200)
                                .withStartupTimeout(Duration.ofSeconds(30)))) {
            long started = System.nanoTime();
            details.start();
            System.out.printf("details container ready in %.1f s%n", (System.nanoTime() - started) / 1e9);

            URI uri = URI.create("http://" + details.getHost() + ":" + details.getMappedPort(9080) + "/details/0");
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("William Shakespeare");
        }
    }

    @Test
    void sidecarsGetNativeEpollInTheImage() {
        String probe = "/probe/dev/meshbox/launcher/docker/EpollProbe.class";
        try (GenericContainer<?> java = new GenericContainer<>(DockerImageName.parse(image.tag()))
                .withLabels(Labels.owned("test"))
                .withCopyFileToContainer(
                        MountableFile.forClasspathResource("dev/meshbox/launcher/docker/EpollProbe.class"), probe)
                .withCommand("java", "-cp", AppImage.JAR + ":/probe", EpollProbe.class.getName())
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(30)))) {
            java.start();

            assertThat(java.getLogs()).contains("epoll available: true");
        }
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
        String stale = docker.createContainerCmd(image.tag())
                .withCmd(DETAILS_V1)
                .withLabels(deadOwner)
                .exec()
                .getId();
        String live = docker.createContainerCmd(image.tag())
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

    private static Network labelledNetwork() {
        return Network.builder()
                .createNetworkCmdModifier(cmd -> cmd.withLabels(Labels.owned("network")))
                .build();
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
