package dev.meshbox.launcher.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Waits for something outside this JVM to become ready (a container, a pod, a port, a proxy's ACK) by asking it again
 * and again until a deadline, as Testcontainers' wait strategies do. The condition answers why it is not ready yet, or
 * nothing once it is; a timeout fails with the last answer, so the error says what was awaited and what was missing.
 * An exception from the condition ends the wait at once: it means waiting longer would not help (a container died).
 *
 * <pre>{@code
 * Wait.atMost(Duration.ofMinutes(2)).until("the control plane", () -> client.unhealthyBecause());
 * }</pre>
 */
public final class Wait {

    /** How often a condition is asked unless told otherwise: short, since most answers are a local call. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    /** What a wait asks: why the awaited thing is not ready yet, or empty once it is. */
    @FunctionalInterface
    public interface Condition {
        /**
         * @throws InterruptedException when a blocking check (an HTTP call, say) is interrupted: the wait ends with it
         */
        Optional<String> notReadyBecause() throws InterruptedException;
    }

    /** The passing of time as a wait sees it; tests pass a fake one so no test waits for real. */
    public interface Clock {
        /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
        long nanoTime();

        void sleep(Duration duration) throws InterruptedException;
    }

    /** The JVM's monotonic clock and {@link Thread#sleep}. */
    public static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    };

    /** A wait that ran out of time: what was awaited, for how long, and why it was still not ready. */
    public static final class TimedOut extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final String what;
        private final String reason;

        TimedOut(String what, Duration timeout, String reason) {
            super(what + " was not ready within " + describe(timeout) + ": " + reason);
            this.what = what;
            this.reason = reason;
        }

        public String what() {
            return what;
        }

        /** The condition's last answer. */
        public String reason() {
            return reason;
        }
    }

    private final Duration timeout;
    private final Duration interval;
    private final Clock clock;

    private Wait(Duration timeout, Duration interval, Clock clock) {
        if (timeout.isNegative() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(
                    "a wait needs a timeout >= 0 and an interval > 0, got " + timeout + " and " + interval);
        }
        this.timeout = timeout;
        this.interval = interval;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A wait of at most {@code timeout}, asking every {@link #DEFAULT_INTERVAL}. */
    public static Wait atMost(Duration timeout) {
        return new Wait(timeout, DEFAULT_INTERVAL, SYSTEM);
    }

    /** The same wait asking every {@code interval}: longer for calls that load a shared server (an API server). */
    public Wait pollingEvery(Duration interval) {
        return new Wait(timeout, interval, clock);
    }

    /** The same wait on another clock. */
    public Wait on(Clock clock) {
        return new Wait(timeout, interval, clock);
    }

    /**
     * Returns once {@code condition} answers empty; asks at once, then after every interval, and once more at the
     * deadline.
     *
     * @param what names what is awaited in the timeout's message, e.g. {@code "deployment istio-system/istiod"}
     * @throws TimedOut with the condition's last answer when the deadline passes
     * @throws InterruptedException when the waiting thread is interrupted; the condition is not asked again
     */
    public void until(String what, Condition condition) throws InterruptedException {
        long deadline = clock.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> reason = condition.notReadyBecause();
            if (reason.isEmpty()) {
                return;
            }
            long left = deadline - clock.nanoTime();
            if (left <= 0) {
                throw new TimedOut(what, timeout, reason.get());
            }
            clock.sleep(left < interval.toNanos() ? Duration.ofNanos(left) : interval);
        }
    }

    /** "2 s", "1.5 s", "300 ms": how messages state a timeout. */
    static String describe(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + " ms";
        }
        if (d.toMillisPart() == 0) {
            return d.toSeconds() + " s";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
