package dev.meshbox.bookinfo.echo;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How an echo app misbehaves. Every answer waits {@code latency}; the first {@code failFirst} requests
 * answer {@code errorStatus}, and after them each request does so with probability {@code errorRate}, drawn
 * from a {@link java.util.Random} seeded with {@code seed} (see {@link EchoFaults}).
 *
 * @param latency     added before every echo answer, 0..{@link #MAX_LATENCY}
 * @param errorRate   0..1, the share of requests answered with {@code errorStatus}
 * @param errorStatus 400..599, what an injected error answers
 * @param failFirst   how many requests fail before {@code errorRate} applies; retry tests use 1 or 2
 * @param seed        makes the sequence of injected errors reproducible
 */
public record EchoBehaviour(Duration latency, double errorRate, int errorStatus, int failFirst, long seed) {
    /**
     * A ceiling, so a value meant in seconds but sent as milliseconds times a thousand cannot park requests for
     * hours. Waits run on a timer, not on a Jetty thread, and outlast Jetty's 30 s idle timeout.
     */
    public static final Duration MAX_LATENCY = Duration.ofSeconds(60);

    public static final int DEFAULT_ERROR_STATUS = 503;

    /**
     * A value that cannot be an echo behaviour; {@link #field()} is the JSON field, as in {@code errorRate}, or
     * "" when the whole body is wrong.
     */
    public static final class InvalidBehaviour extends IllegalArgumentException {
        private final String field;
        private final String expectation;

        InvalidBehaviour(String field, String expectation) {
            super(field.isEmpty() ? expectation : field + ": " + expectation);
            this.field = field;
            this.expectation = expectation;
        }

        public String field() {
            return field;
        }

        /** The message without the field name: {@code must be 0..1, got 1.5}. */
        public String expectation() {
            return expectation;
        }
    }

    public EchoBehaviour {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative() || latency.compareTo(MAX_LATENCY) > 0) {
            throw new InvalidBehaviour(
                    "latencyMs", "must be 0.." + MAX_LATENCY.toMillis() + ", got " + latency.toMillis());
        }
        if (!(errorRate >= 0 && errorRate <= 1)) {
            throw new InvalidBehaviour("errorRate", "must be 0..1, got " + errorRate);
        }
        if (errorStatus < 400 || errorStatus > 599) {
            throw new InvalidBehaviour("errorStatus", "must be 400..599, got " + errorStatus);
        }
        if (failFirst < 0) {
            throw new InvalidBehaviour("failFirst", "must be >= 0, got " + failFirst);
        }
    }

    /** Without {@code failFirst}. */
    public EchoBehaviour(Duration latency, double errorRate, int errorStatus, long seed) {
        this(latency, errorRate, errorStatus, 0, seed);
    }

    /** No latency, no errors, 503 when errors are turned on, a random seed. */
    public static EchoBehaviour defaults() {
        return new EchoBehaviour(
                Duration.ZERO,
                0,
                DEFAULT_ERROR_STATUS,
                0,
                ThreadLocalRandom.current().nextLong());
    }

    public EchoBehaviour withLatency(Duration latency) {
        return new EchoBehaviour(latency, errorRate, errorStatus, failFirst, seed);
    }

    public EchoBehaviour withErrorRate(double errorRate) {
        return new EchoBehaviour(latency, errorRate, errorStatus, failFirst, seed);
    }

    public EchoBehaviour withErrorStatus(int errorStatus) {
        return new EchoBehaviour(latency, errorRate, errorStatus, failFirst, seed);
    }

    public EchoBehaviour withFailFirst(int failFirst) {
        return new EchoBehaviour(latency, errorRate, errorStatus, failFirst, seed);
    }

    public EchoBehaviour withSeed(long seed) {
        return new EchoBehaviour(latency, errorRate, errorStatus, failFirst, seed);
    }
}
