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

    /** A started mesh of any backend. */
    public interface Started extends MeshAccess, AutoCloseable {
        @Override
        void close();
    }

    private Backends() {
    }

    /** A mesh on its own addresses and free ports, as {@code meshbox run} and the JUnit extension start it. */
    public static Started startIsolated(String backend, MeshSpec spec, OptionalLong seed, PrintStream progress) throws InterruptedException {
        return switch (backend) {
            case LOCAL -> wrap(LocalMesh.start(spec, LocalOptions.isolated(seed), progress));
            case DOCKER -> wrap(DockerMesh.start(spec, DockerMesh.Options.isolated(seed), progress));
            default -> throw new IllegalArgumentException("unknown backend " + backend + "; expected one of " + NAMES);
        };
    }

    static Started wrap(LocalMesh mesh) {
        return new Delegate(mesh, mesh::close);
    }

    static Started wrap(DockerMesh mesh) {
        return new Delegate(mesh, mesh::close);
    }

    private record Delegate(MeshAccess access, Runnable closer) implements Started {
        @Override
        public ApplyOutcome apply(List<ConfigText> config) {
            return access.apply(config);
        }

        @Override
        public void resetConfig() {
            access.resetConfig();
        }

        @Override
        public java.net.InetSocketAddress ingress() {
            return access.ingress();
        }

        @Override
        public java.net.InetSocketAddress outboundOf(String workload) {
            return access.outboundOf(workload);
        }

        @Override
        public List<LogEntry> accessLog() {
            return access.accessLog();
        }

        @Override
        public java.util.Optional<String> describeRouting(String workload, String host) {
            return access.describeRouting(workload, host);
        }

        @Override
        public java.util.Map<String, Long> counters(String workload) {
            return access.counters(workload);
        }

        @Override
        public void close() {
            closer.run();
        }
    }
}
