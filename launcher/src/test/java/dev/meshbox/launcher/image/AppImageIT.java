package dev.meshbox.launcher.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.Labels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
        String probe = "/probe/dev/meshbox/launcher/image/EpollProbe.class";
        try (GenericContainer<?> java = new GenericContainer<>(DockerImageName.parse(image.tag()))
                .withLabels(Labels.owned("test"))
                .withCopyFileToContainer(
                        MountableFile.forClasspathResource("dev/meshbox/launcher/image/EpollProbe.class"), probe)
                .withCommand("java", "-cp", AppImage.JAR + ":/probe", EpollProbe.class.getName())
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(30)))) {
            java.start();

            assertThat(java.getLogs()).contains("epoll available: true");
        }
    }

    private static Network labelledNetwork() {
        return Network.builder()
                .createNetworkCmdModifier(cmd -> cmd.withLabels(Labels.owned("network")))
                .build();
    }
}
