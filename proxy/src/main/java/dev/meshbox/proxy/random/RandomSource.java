package dev.meshbox.proxy.random;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Where a request's random decisions come from. {@link Shared} draws from one seeded generator in arrival order
 * (behaviour is random, as Envoy's). {@link PerRequest} makes each decision a pure function of (seed, request id,
 * decision point, index), so a replay with the same seed and the same request ids decides the same way whatever
 * the arrival order or concurrency.
 */
public sealed interface RandomSource {

    /** The places a request draws randomness; the ordinal is part of the derived seed, so only append. */
    enum Decision {
        ROUTE,
        FAULT_DELAY,
        FAULT_ABORT,
        MIRROR,
        HOST,
        RETRY_BACKOFF,
        CORS,
        TRACE
    }

    /** The generator for one decision of the request whose id hashes to {@code requestKey}. */
    RandomGenerator forRequest(long requestKey, Decision decision, int index);

    /** Randomness not tied to a request (generated request ids, connection jitter). */
    RandomGenerator shared();

    /**
     * One non-zero 64-bit value for a decision of the request, without a generator per request: for ids minted on
     * every request (trace and span ids). {@link PerRequest}: a pure function of (seed, request id, decision, index);
     * {@link Shared}: the next value of the calling thread's SplitMix64 stream, seeded from the shared generator.
     */
    long nextId(long requestKey, Decision decision, int index);

    /** A 64-bit key for a request id; the same id always gives the same key. */
    static long requestKey(String requestId) {
        return requestId == null ? 0 : XxHash64.hash(requestId);
    }

    /** Random in arrival order: every decision draws from one thread-safe generator. */
    record Shared(RandomGenerator random, ThreadLocal<long[]> idStreams) implements RandomSource {
        public Shared(RandomGenerator random) {
            this(random, new ThreadLocal<>());
        }

        @Override
        public long nextId(long requestKey, Decision decision, int index) {
            long[] state = idStreams.get();
            if (state == null) {
                state = new long[] {random.nextLong()};
                idStreams.set(state);
            }
            long v;
            do {
                state[0] += 0x9E3779B97F4A7C15L;
                v = mix(state[0]);
            } while (v == 0);
            return v;
        }

        @Override
        public RandomGenerator forRequest(long requestKey, Decision decision, int index) {
            return random;
        }

        @Override
        public RandomGenerator shared() {
            return random;
        }
    }

    /** Replayable: each decision gets its own generator derived from the seed and the request id. */
    record PerRequest(long seed, RandomGenerator shared) implements RandomSource {
        @Override
        public RandomGenerator forRequest(long requestKey, Decision decision, int index) {
            long h = mix(seed ^ mix(requestKey));
            h = mix(h + 0x9E3779B97F4A7C15L * (decision.ordinal() + 1));
            return new SplittableRandom(mix(h + index));
        }

        @Override
        public long nextId(long requestKey, Decision decision, int index) {
            long h = mix(seed ^ mix(requestKey));
            h = mix(h + 0x9E3779B97F4A7C15L * (decision.ordinal() + 1));
            long v = mix(h + index);
            return v == 0 ? 1 : v;
        }
    }

    /** SplitMix64's finalizer: a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
