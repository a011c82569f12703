package dev.meshbox.launcher.engine;

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
        public static Status up(String version) {
            return new Status(true, "Docker engine " + version);
        }

        public static Status down(String detail) {
            return new Status(
                    false, detail == null || detail.isBlank() ? NOT_RUNNING : NOT_RUNNING + " (" + detail + ")");
        }
    }

    private DockerEngine() {}

    /** Asks the engine (found once per JVM, as Testcontainers caches it) for its version. */
    public static Status probe() {
        try {
            DockerClient docker = connect();
            String version = docker.versionCmd().exec().getApiVersion();
            return Status.up(version + " at " + host());
        } catch (RuntimeException | LinkageError e) {
            return Status.down(where() + cause(e));
        }
    }

    /** The innermost cause's message, which says what failed (a missing socket, a refused connection). */
    public static String cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static String where() {
        try {
            return host() + ": ";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Where the engine listens, e.g. {@code unix:///var/run/docker.sock}. */
    public static java.net.URI host() {
        return transport().getDockerHost();
    }

    /** The engine's client, or an IllegalStateException with {@link #NOT_RUNNING} when there is no engine. */
    public static DockerClient client() {
        Status status = probe();
        if (!status.available()) {
            throw new IllegalStateException(status.reason());
        }
        return connect();
    }

    private static volatile DockerClient client;

    /**
     * A client made from the transport Testcontainers finds, without {@code DockerClientFactory.client()}: that call
     * starts Testcontainers' reaper container (Ryuk), whose image needs a registry, unless an environment variable
     * says otherwise. MeshBox labels and removes its own containers, so it needs no reaper and no variable.
     */
    private static synchronized DockerClient connect() {
        if (client == null) {
            client = org.testcontainers.dockerclient.DockerClientProviderStrategy.getClientForConfig(transport());
        }
        return client;
    }

    /**
     * {@code DOCKER_HOST} when set, and nothing else: a user who names an engine means that engine, and must hear that it
     * is down rather than silently get another one. Otherwise whatever Testcontainers finds (the default socket, its
     * properties file, Docker Desktop).
     */
    private static org.testcontainers.dockerclient.TransportConfig transport() {
        String env = System.getenv("DOCKER_HOST");
        if (env != null && !env.isBlank()) {
            return org.testcontainers.dockerclient.TransportConfig.builder()
                    .dockerHost(java.net.URI.create(env.trim()))
                    .build();
        }
        return DockerClientFactory.instance().getTransportConfig();
    }
}
