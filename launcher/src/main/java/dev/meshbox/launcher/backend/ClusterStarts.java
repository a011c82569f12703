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

    /**
     * Stops the clusters, the last started first, then removes the certificates generated for them; every cluster is
     * closed even when one before it fails, and the first failure is thrown (later ones suppressed).
     *
     * @param generatedCerts the directory MeshBox made the clusters' cacerts in, or null when they were the user's
     */
    public static void closeAll(
            java.util.Collection<? extends AutoCloseable> clusters, java.nio.file.Path generatedCerts) {
        RuntimeException failure = null;
        List<AutoCloseable> reversed = new java.util.ArrayList<>(clusters);
        java.util.Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                RuntimeException r =
                        e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
                if (failure == null) {
                    failure = r;
                } else {
                    failure.addSuppressed(r);
                }
            }
        }
        if (generatedCerts != null) {
            deleteTree(generatedCerts);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Deletes a temporary directory MeshBox made; one left behind holds nothing a running mesh needs. */
    public static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // left behind: nothing to stop
        }
    }
}
