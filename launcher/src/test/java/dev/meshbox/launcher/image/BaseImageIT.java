package dev.meshbox.launcher.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.Labels;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

@RequiresDocker
class BaseImageIT {

    @Test
    void baseImageRunsJava17WithUtf8() {
        DockerClient docker = DockerEngine.client();
        String base = BaseImage.ensure(docker, System.out);
        assertThat(ImageBuild.existing(docker, base)).isPresent();

        // OneShot: start() returns only once the container exited 0, so a broken runtime fails right here.
        try (GenericContainer<?> java = new GenericContainer<>(DockerImageName.parse(base))
                .withLabels(Labels.owned("test"))
                .withCommand("java", "-XshowSettings:properties", "-version")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(30)))) {
            java.start();
            String logs = java.getLogs();
            assertThat(logs).contains("version \"17").contains("file.encoding = UTF-8");
        }
    }
}
