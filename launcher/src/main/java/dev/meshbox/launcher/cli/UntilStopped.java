package dev.meshbox.launcher.cli;

import java.util.concurrent.CountDownLatch;

/**
 * What {@code up} does after printing its summary: wait for Ctrl-C, then say what it stops and close each part in order
 * (the mesh last), one part's failure printed and the next part still closed, before {@code up} returns.
 */
final class UntilStopped {

    private final CountDownLatch stopped = new CountDownLatch(1);

    private UntilStopped() {}

    /**
     * Registers the shutdown hook.
     *
     * @param message the line printed when Ctrl-C arrives, e.g. "Stopping MeshBox ..."
     * @param parts closed in this order; null ones (an addon that was not asked for) are skipped
     */
    static UntilStopped onShutdown(String message, AutoCloseable... parts) {
        UntilStopped until = new UntilStopped();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("\n" + message);
                            try {
                                for (AutoCloseable part : parts) {
                                    closeQuietly(part);
                                }
                            } finally {
                                until.stopped.countDown();
                            }
                        },
                        "meshbox-shutdown"));
        return until;
    }

    private static void closeQuietly(AutoCloseable part) {
        if (part == null) {
            return;
        }
        try {
            part.close();
        } catch (Exception e) {
            System.err.println("meshbox: " + e.getMessage());
        }
    }

    /** Blocks until the shutdown hook has closed every part. */
    void await() throws InterruptedException {
        stopped.await();
    }
}
