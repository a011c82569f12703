package dev.meshbox.launcher.backend;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** Clusters started side by side, whatever the backend: waiting for all of them and naming each that failed. */
public final class ClusterStarts {

    /**
     * Runs each task on a thread of its own: a cluster's start blocks on its pods, so the clusters must not queue behind
     * each other on a small common pool (one thread on a 2-core machine).
     */
    public static final Executor THREAD_PER_CLUSTER = task -> {
        Thread t = new Thread(task, "meshbox-cluster-start");
        t.setDaemon(true);
        t.start();
    };

    private ClusterStarts() {}

    /**
     * Waits for every cluster's start, puts each started one into {@code started} by name (so a failure can close
     * them), and returns the first failure prefixed with its cluster's name (later ones suppressed), or null.
     */
    public static <T> RuntimeException joinAll(
            List<String> names, List<CompletableFuture<T>> starting, Map<String, T> started) {
        RuntimeException failure = null;
        for (int i = 0; i < names.size(); i++) {
            try {
                started.put(names.get(i), starting.get(i).join());
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r
                        ? r
                        : new IllegalStateException(e.getCause().getMessage(), e.getCause());
                if (failure == null) {
                    failure = new IllegalStateException("cluster " + names.get(i) + ": " + cause.getMessage(), cause);
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        return failure;
    }
}
