package dev.meshbox.launcher.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The wait helper on a fake clock: every sleep advances time at once, so no test waits for real. */
class WaitTest {

    /** Time that passes only when the wait sleeps; records each sleep. */
    static final class FakeClock implements Wait.Clock {
        long now = 1_000_000_000L;
        final List<Duration> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            now += d.toNanos();
        }

        Duration slept() {
            return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
        }
    }

    private final FakeClock clock = new FakeClock();

    /** Not ready for the first {@code polls - 1} asks, then ready. */
    private static Wait.Condition readyOnAsk(int polls, AtomicInteger asked) {
        return () -> asked.incrementAndGet() < polls ? Optional.of("ask " + asked.get()) : Optional.empty();
    }

    @Test
    void aReadyConditionReturnsAtOnceWithoutSleeping() throws Exception {
        AtomicInteger asked = new AtomicInteger();

        Wait.atMost(Duration.ofSeconds(5)).on(clock).until("the thing", readyOnAsk(1, asked));

        assertThat(asked).hasValue(1);
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void theConditionIsAskedAgainEveryIntervalUntilReady() throws Exception {
        AtomicInteger asked = new AtomicInteger();

        Wait.atMost(Duration.ofSeconds(5))
                .pollingEvery(Duration.ofMillis(250))
                .on(clock)
                .until("the thing", readyOnAsk(4, asked));

        assertThat(asked).hasValue(4);
        assertThat(clock.sleeps)
                .containsExactly(Duration.ofMillis(250), Duration.ofMillis(250), Duration.ofMillis(250));
    }

    @Test
    void aTimeoutNamesWhatWasAwaitedAndTheLastReason() {
        AtomicInteger asked = new AtomicInteger();

        assertThatThrownBy(() -> Wait.atMost(Duration.ofSeconds(2))
                        .pollingEvery(Duration.ofMillis(500))
                        .on(clock)
                        .until("deployment istio-system/istiod", () -> {
                            asked.incrementAndGet();
                            return Optional.of(asked.get() + " of 1 replicas unready");
                        }))
                .isInstanceOf(Wait.TimedOut.class)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("deployment istio-system/istiod was not ready within 2 s: 5 of 1 replicas unready")
                .satisfies(e -> {
                    Wait.TimedOut t = (Wait.TimedOut) e;
                    assertThat(t.what()).isEqualTo("deployment istio-system/istiod");
                    assertThat(t.reason()).isEqualTo("5 of 1 replicas unready");
                });
        // asked at 0, 0.5, 1, 1.5 and at the deadline itself
        assertThat(clock.slept()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theLastSleepStopsAtTheDeadline() {
        assertThatThrownBy(() -> Wait.atMost(Duration.ofMillis(1300))
                        .pollingEvery(Duration.ofMillis(500))
                        .on(clock)
                        .until("x", () -> Optional.of("no")))
                .hasMessage("x was not ready within 1.3 s: no");

        assertThat(clock.sleeps)
                .containsExactly(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(300));
    }

    @Test
    void aZeroTimeoutAsksOnce() {
        AtomicInteger asked = new AtomicInteger();

        assertThatThrownBy(() -> Wait.atMost(Duration.ZERO).on(clock).until("x", () -> {
                    asked.incrementAndGet();
                    return Optional.of("not yet");
                }))
                .hasMessage("x was not ready within 0 ms: not yet");
        assertThat(asked).hasValue(1);
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void aConditionThatThrowsEndsTheWaitAtOnce() {
        AtomicInteger asked = new AtomicInteger();

        assertThatThrownBy(() -> Wait.atMost(Duration.ofMinutes(5)).on(clock).until("the control plane", () -> {
                    if (asked.incrementAndGet() == 3) {
                        throw new IllegalStateException("container istiod exited with exit code 1");
                    }
                    return Optional.of("no answer");
                }))
                .isNotInstanceOf(Wait.TimedOut.class)
                .hasMessage("container istiod exited with exit code 1");
        assertThat(asked).hasValue(3);
        assertThat(clock.sleeps).hasSize(2);
    }

    @Test
    void anInterruptedSleepEndsTheWait() {
        Wait.Clock interrupted = new Wait.Clock() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                throw new InterruptedException();
            }
        };
        AtomicInteger asked = new AtomicInteger();

        assertThatThrownBy(
                        () -> Wait.atMost(Duration.ofSeconds(1)).on(interrupted).until("x", readyOnAsk(2, asked)))
                .isInstanceOf(InterruptedException.class);
        assertThat(asked).as("not asked again after the interrupt").hasValue(1);
    }

    @Test
    void aConditionInterruptedWhileItChecksEndsTheWait() {
        assertThatThrownBy(() -> Wait.atMost(Duration.ofSeconds(1)).on(clock).until("x", () -> {
                    throw new InterruptedException("interrupted while reading /healthz");
                }))
                .isInstanceOf(InterruptedException.class)
                .hasMessage("interrupted while reading /healthz");
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void theSystemClockWaitsForAConditionThatBecomesTrueByItself() throws Exception {
        // Real time, but no bound on it: the condition turns true on its third ask whatever the machine's speed.
        AtomicInteger asked = new AtomicInteger();

        Wait.atMost(Duration.ofMinutes(1)).pollingEvery(Duration.ofMillis(1)).until("x", readyOnAsk(3, asked));

        assertThat(asked).hasValue(3);
    }

    @Test
    void timeoutsAreStatedAsPeopleWriteThem() {
        assertThat(Wait.describe(Duration.ofSeconds(120))).isEqualTo("120 s");
        assertThat(Wait.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Wait.describe(Duration.ofMillis(300))).isEqualTo("300 ms");
    }

    @Test
    void aWaitNeedsAPositiveInterval() {
        assertThatThrownBy(() -> Wait.atMost(Duration.ofSeconds(1)).pollingEvery(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interval > 0");
    }
}
