package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices containers of a mesh that stop: while the mesh starts, a dead container fails the start with its exit code
 * and last log lines; once it runs, each death is reported once on the progress stream (the registry has already
 * taken the pod out of the endpoints).
 */
final class DeathWatch implements AutoCloseable {

    private final DockerClient docker;
    private final String meshId;
    private final PrintStream progress;
    private final Map<String, String> dead = new LinkedHashMap<>();
    /** Containers the mesh stops on purpose (a deleted Gateway's gateway): no deaths. */
    private final Set<String> retired = new HashSet<>();

    private ScheduledExecutorService watcher;

    DeathWatch(DockerClient docker, String meshId, PrintStream progress) {
        this.docker = docker;
        this.meshId = meshId;
        this.progress = progress;
    }

    /** Throws with the cause when a container of the mesh has stopped. */
    void check() {
        List<String> found = scan();
        if (!found.isEmpty()) {
            throw new IllegalStateException(String.join("\n", found));
        }
    }

    /** Newly stopped containers, described. */
    private synchronized List<String> scan() {
        List<Container> all = docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(DockerRegistry.MESH, meshId))
                .exec();
        List<String> fresh = new java.util.ArrayList<>();
        for (Container c : all) {
            boolean init = "init".equals(c.getLabels().get(DockerRegistry.ROLE)); // exits by design
            if (!init
                    && !"running".equals(c.getState())
                    && !"created".equals(c.getState())
                    && !dead.containsKey(c.getId())
                    && !retired.contains(c.getId())) {
                String name = c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId();
                Long exit =
                        docker.inspectContainerCmd(c.getId()).exec().getState().getExitCodeLong();
                Integer code = exit == null ? null : exit.intValue();
                String text = "container " + name + " " + c.getState()
                        + (code == null ? "" : " with exit code " + code + (code == 137 ? " (killed)" : "")) + "\n"
                        + logTail(docker, c.getId());
                dead.put(c.getId(), text);
                fresh.add(text);
            }
        }
        return fresh;
    }

    /** From now on, reports each container that stops on the progress stream, once, checking every 2 s. */
    void start() {
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshbox-docker-deathwatch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reportNewDeaths, 2, 2, TimeUnit.SECONDS);
    }

    private void reportNewDeaths() {
        try {
            for (String d : scan()) {
                progress.println("warning: " + d);
            }
        } catch (RuntimeException e) {
            // the engine went away: close() or the user will notice; keep watching
        }
    }

    /** The container is about to be removed on purpose: its stop is no death. */
    synchronized void retire(String containerId) {
        retired.add(containerId);
    }

    synchronized Optional<String> report() {
        return dead.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", dead.values()));
    }

    /** The last lines a container wrote, indented, for error messages. */
    static String logTail(DockerClient docker, String id) {
        StringBuilder sb = new StringBuilder();
        try {
            docker.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withTail(15)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            sb.append("    | ")
                                    .append(new String(frame.getPayload(), StandardCharsets.UTF_8).stripTrailing())
                                    .append('\n');
                        }
                    })
                    .awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "    (no logs: " + e.getMessage() + ")";
        }
        return sb.length() == 0 ? "    (no output)" : sb.toString().stripTrailing();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
