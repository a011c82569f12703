package dev.meshbox.bookinfo.http;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Timers for answers that must wait ({@code /delay/3}, echo's latency) without holding one of Jetty's few
 * threads for the whole wait: the handler hands Javalin a future that this class completes later. One
 * daemon thread per app, started on the first wait, so an app that never waits costs no thread.
 */
public final class Delays implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer;
    private final java.util.Set<CompletableFuture<Void>> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Delays(String podName) {
        timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, podName + "-delay");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Completes after {@code wait}; fails with {@link IllegalStateException} once the app is closed. */
    public CompletableFuture<Void> after(Duration wait) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.add(done);
        done.whenComplete((v, e) -> pending.remove(done));
        try {
            timer.schedule(() -> done.complete(null), wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IllegalStateException("app is closed"));
        }
        return done;
    }

    /** Pending waits fail at once, so their requests are answered (an error) rather than held until the server stops. */
    @Override
    public void close() {
        timer.shutdownNow();
        for (CompletableFuture<Void> wait : List.copyOf(pending)) {
            wait.completeExceptionally(new IllegalStateException("app is closed"));
        }
    }
}
