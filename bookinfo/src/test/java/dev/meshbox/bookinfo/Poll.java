package dev.meshbox.bookinfo;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition the test can observe, instead of sleeping a guessed time and hoping it holds. */
final class Poll {
    private Poll() {}

    /**
     * Returns once {@code condition} holds; fails naming {@code what} when it has not within {@code timeout}.
     *
     * @param what the condition in words, for the failure
     */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for " + what + ", in vain");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
