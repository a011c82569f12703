package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine the docker backend talks to, found the way Testcontainers finds it (DOCKER_HOST, the default
 * socket, ~/.testcontainers.properties). Probing never throws: a missing engine is an ordinary answer with a
 * message a user can act on.
 */
public final class DockerEngine {

    public static final String NOT_RUNNING =
            "Docker is not running: start dockerd (Linux) or Docker Desktop; the docker backend needs it";

    /** What a probe found: an engine, or why there is none. */
    public record Status(boolean available, String reason) {
        static Status up(String version) {
            return new Status(true, "Docker engine " + version);
        }

        static Status down(String detail) {
            return new Status(false, detail == null || detail.isBlank() ? NOT_RUNNING : NOT_RUNNING + " (" + detail + ")");
        }
    }

    private DockerEngine() {
    }

    /** Asks the engine once; Testcontainers caches the answer for the rest of the JVM. */
    public static Status probe() {
        try {
            DockerClientFactory factory = DockerClientFactory.instance();
            if (!factory.isDockerAvailable()) {
                return Status.down(null);
            }
            return Status.up(factory.getActiveApiVersion() + " at " + factory.getTransportConfig().getDockerHost());
        } catch (RuntimeException | LinkageError e) {
            return Status.down(e.getMessage());
        }
    }

    /** Where the engine listens, e.g. {@code unix:///var/run/docker.sock}. */
    public static java.net.URI host() {
        return DockerClientFactory.instance().getTransportConfig().getDockerHost();
    }

    /** The engine's client, or an IllegalStateException with {@link #NOT_RUNNING} when there is no engine. */
    public static DockerClient client() {
        Status status = probe();
        if (!status.available()) {
            throw new IllegalStateException(status.reason());
        }
        return DockerClientFactory.instance().client();
    }
}
