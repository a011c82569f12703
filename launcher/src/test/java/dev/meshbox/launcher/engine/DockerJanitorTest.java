package dev.meshbox.launcher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;
import org.junit.jupiter.api.Test;

class DockerJanitorTest {
    private static Container container(String json) throws Exception {
        return new ObjectMapper().readValue(json, Container.class);
    }

    @Test
    void anotherRunsImageBuildStepIsLeftAlone() throws Exception {
        // A RUN step of the image build inherits the image's labels: the project's, without an owner.
        assertThat(DockerJanitor.buildStep(container("{\"State\": \"running\", \"Labels\": {\"dev.meshbox\": \"true\","
                        + " \"dev.meshbox.kind\": \"app\"}}")))
                .isTrue();
        // An exited one without an owner is a leftover; an owned container is judged by its owner.
        assertThat(DockerJanitor.buildStep(
                        container("{\"State\": \"exited\", \"Labels\": {\"dev.meshbox\": \"true\"}}")))
                .isFalse();
        assertThat(DockerJanitor.buildStep(container("{\"State\": \"running\", \"Labels\": {\"dev.meshbox\": \"true\","
                        + " \"dev.meshbox.owner\": \"1@host\"}}")))
                .isFalse();
    }
}
