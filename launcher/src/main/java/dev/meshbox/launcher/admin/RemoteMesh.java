package dev.meshbox.launcher.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import dev.meshbox.launcher.lifecycle.Wait;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A mesh whose control plane runs elsewhere (a container, a pod) and is reached through its admin API, as the Docker
 * and Kubernetes backends run it: config, telemetry and readiness go through {@link ControlPlaneClient}, and what the
 * mesh created is undone by one {@link CleanupStack}, on {@link #close()}, on a failed start and on Ctrl-C. A subclass
 * creates the mesh and says how traffic reaches it ({@link #ingress()}, {@link #outboundOf(String)}).
 */
public abstract class RemoteMesh implements StartedMesh {

    /** Hears of each pod once, as it turns ready: for a progress line. */
    @FunctionalInterface
    public interface PodReady {
        void announce(String pod, int readySoFar, int expected);
    }

    /** Everything the mesh created, undone last first. */
    protected final CleanupStack cleanup;

    private volatile ControlPlaneClient controlPlane;

    /** @param cleanupName names the shutdown hook's thread and the mesh in clean-up failures */
    protected RemoteMesh(String cleanupName) {
        this.cleanup = CleanupStack.withShutdownHook(cleanupName);
    }

    /** From now on, the control plane's admin API answers at {@code admin}. */
    protected final ControlPlaneClient connect(URI admin) {
        controlPlane = new ControlPlaneClient(admin);
        return controlPlane;
    }

    protected final ControlPlaneClient controlPlane() {
        ControlPlaneClient c = controlPlane;
        if (c == null) {
            throw new IllegalStateException("the mesh's control plane is not up yet");
        }
        return c;
    }

    /** The control plane's admin API on this machine. */
    public URI admin() {
        return controlPlane().base();
    }

    /**
     * Why the mesh is not ready yet, or empty once the control plane's registry has {@code expected} pods ready and
     * every proxy has ACKed its config.
     */
    protected final Wait.Condition readiness(int expected, PodReady onReady) {
        Set<String> announced = new HashSet<>();
        return () -> {
            int ready = 0;
            for (JsonNode p : controlPlane().pods()) {
                if (p.path("ready").asBoolean()) {
                    ready++;
                    if (announced.add(p.path("name").asText())) {
                        onReady.announce(p.path("name").asText(), announced.size(), expected);
                    }
                }
            }
            if (ready < expected) {
                return Optional.of("only " + ready + " of " + expected + " pods are ready");
            }
            return controlPlane().lagging().map(why -> "not every proxy has ACKed its config: " + why);
        };
    }

    // ---- MeshAccess: config and telemetry through the control plane's admin API

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        return controlPlane().apply(config);
    }

    @Override
    public void resetConfig() {
        controlPlane().reset();
    }

    @Override
    public List<LogEntry> accessLog() {
        return controlPlane().accessLog();
    }

    @Override
    public Optional<String> describeRouting(String workload, String host) {
        return controlPlane().describeRouting(workload, host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        return controlPlane().counters(workload);
    }

    @Override
    public String proxyAdminPost(String workload, String path) {
        return controlPlane().proxyAdminPost(workload, path);
    }

    /**
     * Undoes a failed start, keeping the start's failure as what the caller sees: a clean-up failure is added to it as
     * suppressed.
     */
    protected final void closeAfterFailedStart(Exception startFailure) {
        try {
            close();
        } catch (RuntimeException cleanupFailure) {
            startFailure.addSuppressed(cleanupFailure);
        }
    }

    /** Removes everything the mesh created; throws, naming each, when something could not be removed. */
    @Override
    public void close() {
        cleanup.close();
    }
}
