package dev.meshbox.launcher.backend;

import dev.meshbox.launcher.docker.DockerMesh;
import dev.meshbox.scenarios.MeshAccess;
import java.io.PrintStream;
import java.util.List;
import java.util.OptionalLong;

/** The backends a mesh can run on, by the name users type ({@code --backend}, {@code @MeshTest(backend = ...)}). */
public final class Backends {

    public static final String LOCAL = "local";
    public static final String DOCKER = "docker";
    public static final List<String> NAMES = List.of(LOCAL, DOCKER);

    /** A started mesh of any backend: what scenarios need of it, and closing it removes everything it started. */
    public interface Started extends MeshAccess, AutoCloseable {
        @Override
        void close();
    }

    private Backends() {
    }

    /** A mesh on its own addresses and free ports, as {@code meshbox run} and the JUnit extension start it. */
    public static Started startIsolated(String backend, MeshSpec spec, OptionalLong seed, PrintStream progress) throws InterruptedException {
        return switch (backend) {
            case LOCAL -> LocalMesh.start(spec, LocalOptions.isolated(seed), progress);
            case DOCKER -> DockerMesh.start(spec, DockerMesh.Options.isolated(seed), progress);
            default -> throw new IllegalArgumentException("unknown backend " + backend + "; expected one of " + NAMES);
        };
    }
}
