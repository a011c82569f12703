package dev.meshbox.bookinfo.echo;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Decides, request by request, whether an echo app answers normally or with its injected error.
 *
 * <p>Each request takes exactly one draw from a {@link Random} seeded with the behaviour's seed, whether or
 * not the draw decides anything, so the n-th request's outcome depends only on the seed, n and the behaviour
 * changes made before it: two runs that send the same requests in the same order get the same errors. The
 * draw fails the request when it is below {@code errorRate} (a seeded random, not a counter, so errors do not
 * come in a fixed rhythm). The first {@code failFirst} requests after a behaviour sets it fail regardless.
 */
public final class EchoFaults {
    private EchoBehaviour behaviour;
    private Random random;
    private int failuresLeft;

    /** One request's fate: wait {@code latency}, then answer {@code status} (200 unless injected). */
    public record Outcome(Duration latency, int status) {
        public boolean injected() {
            return status != 200;
        }
    }

    /** The behaviour in force and how many of its {@code failFirst} failures are still to come. */
    @JsonPropertyOrder({"latencyMs", "errorRate", "errorStatus", "failFirst", "failuresLeft", "seed"})
    public record State(long latencyMs, double errorRate, int errorStatus, int failFirst, int failuresLeft, long seed) {
        static State of(EchoBehaviour b, int failuresLeft) {
            return new State(
                    b.latency().toMillis(), b.errorRate(), b.errorStatus(), b.failFirst(), failuresLeft, b.seed());
        }
    }

    public EchoFaults(EchoBehaviour initial) {
        this.behaviour = Objects.requireNonNull(initial, "initial");
        this.random = new Random(initial.seed());
        this.failuresLeft = initial.failFirst();
    }

    public synchronized Outcome next() {
        double draw = random.nextDouble();
        boolean fail;
        if (failuresLeft > 0) {
            failuresLeft--;
            fail = true;
        } else {
            fail = draw < behaviour.errorRate();
        }
        return new Outcome(behaviour.latency(), fail ? behaviour.errorStatus() : 200);
    }

    public synchronized State state() {
        return State.of(behaviour, failuresLeft);
    }

    /**
     * Applies a run-time change. A change that names {@code failFirst} restarts that count; one that names
     * {@code seed} restarts the random sequence; latency, error rate and status just take effect.
     */
    public synchronized State change(BehaviourChange change) {
        behaviour = change.applyTo(behaviour);
        if (change.failFirst().isPresent()) {
            failuresLeft = behaviour.failFirst();
        }
        if (change.seed().isPresent()) {
            random = new Random(behaviour.seed());
        }
        return state();
    }
}
