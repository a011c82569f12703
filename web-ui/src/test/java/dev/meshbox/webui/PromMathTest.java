package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromMathTest {

    /** Envoy's default buckets for istio_request_duration_milliseconds. */
    private static final double[] ENVOY = {
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000
    };

    private static List<PromMath.Point> every5s(double... values) {
        List<PromMath.Point> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.add(new PromMath.Point(1_000_000L + i * 5_000L, values[i]));
        }
        return out;
    }

    @Test
    void rateOfASteadyCounterIsItsSlope() {
        // 10 per second, read every 5 s; the range's edges fall on samples, so nothing is extrapolated.
        List<PromMath.Point> p = every5s(100, 150, 200, 250, 300);
        assertThat(PromMath.rate(p, 1_020_000L, 20_000L).getAsDouble()).isCloseTo(10, within(1e-9));
    }

    @Test
    void rateExtrapolatesToTheRangesEdgesAsPrometheusDoes() {
        // Samples at 5, 10, 15 s in a 20 s range from -3 s to 17 s: the 2 s to the end (under 1.1 times the 5 s
        // between samples) are extrapolated in full, the 8 s to the start only by half an interval, 2.5 s; an increase
        // of 100 over the 10 s sampled becomes 100 * 14.5/10 over the 20 s range.
        List<PromMath.Point> p = List.of(
                new PromMath.Point(5_000, 1000), new PromMath.Point(10_000, 1050), new PromMath.Point(15_000, 1100));
        assertThat(PromMath.rate(p, 17_000, 20_000).getAsDouble()).isCloseTo(100 * 1.45 / 20, within(1e-9));
    }

    @Test
    void rateDoesNotExtrapolateACounterBelowZero() {
        // The counter started at 0 just before the first sample: extrapolation stops at its zero point.
        List<PromMath.Point> p = List.of(new PromMath.Point(10_000, 2), new PromMath.Point(15_000, 12));
        // increase 10 over 5 s, to zero 1 s back, to the end 0 s: 10 * 6/5 over 20 s
        assertThat(PromMath.rate(p, 15_000, 20_000).getAsDouble()).isCloseTo(12.0 / 20, within(1e-9));
    }

    @Test
    void aCounterResetCountsEverythingAfterItAsNew() {
        // 100 -> 150 (+50), restart, 20 (+20), 70 (+50): 120 over the 15 s sampled, range 15 s
        List<PromMath.Point> p = every5s(100, 150, 20, 70);
        assertThat(PromMath.rate(p, 1_015_000L, 15_000L).getAsDouble()).isCloseTo(120.0 / 15, within(1e-9));
    }

    @Test
    void rateNeedsTwoSamplesInTheRange() {
        assertThat(PromMath.rate(every5s(100), 1_000_000L, 20_000L)).isEmpty();
        assertThat(PromMath.rate(every5s(100, 200, 300), 1_060_000L, 20_000L)).isEmpty();
    }

    private static List<PromMath.Bucket> envoy(double... perBucket) {
        List<PromMath.Bucket> out = new ArrayList<>();
        double cumulative = 0;
        for (int i = 0; i < ENVOY.length; i++) {
            cumulative += i < perBucket.length ? perBucket[i] : 0;
            out.add(new PromMath.Bucket(ENVOY[i], cumulative));
        }
        out.add(new PromMath.Bucket(Double.POSITIVE_INFINITY, cumulative));
        return out;
    }

    @Test
    void histogramQuantileInterpolatesInsideTheBucketOfTheRank() {
        // 100 requests: 10 under 0.5 ms, 40 in (1, 5], 50 in (5, 10].
        List<PromMath.Bucket> b = envoy(10, 0, 40, 50);
        // p50: rank 50 = the top of (1, 5] -> 5
        assertThat(PromMath.histogramQuantile(0.5, b)).isCloseTo(5, within(1e-9));
        // p90: rank 90, 40 into the 50 of (5, 10] -> 5 + 5 * 40/50 = 9
        assertThat(PromMath.histogramQuantile(0.9, b)).isCloseTo(9, within(1e-9));
        // p99: 5 + 5 * 49/50
        assertThat(PromMath.histogramQuantile(0.99, b)).isCloseTo(9.9, within(1e-9));
        // p5: rank 5 in the first bucket, interpolated from 0
        assertThat(PromMath.histogramQuantile(0.05, b)).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void aRankInTheInfBucketAnswersTheHighestFiniteBound() {
        List<PromMath.Bucket> b = new ArrayList<>(envoy(1));
        b.set(b.size() - 1, new PromMath.Bucket(Double.POSITIVE_INFINITY, 10)); // 9 above 3 600 000 ms
        assertThat(PromMath.histogramQuantile(0.99, b)).isEqualTo(3_600_000);
    }

    @Test
    void unsortedBucketsAndRoundingDipsAreHandledAsPrometheusDoes() {
        List<PromMath.Bucket> b = new ArrayList<>(List.of(
                new PromMath.Bucket(Double.POSITIVE_INFINITY, 10),
                new PromMath.Bucket(10, 10),
                new PromMath.Bucket(5, 10.000001), // a rate's rounding makes a cumulative bucket dip
                new PromMath.Bucket(1, 0)));
        assertThat(PromMath.histogramQuantile(0.5, b)).isCloseTo(3, within(1e-3));
    }

    @Test
    void noObservationsOrNoInfBucketIsNaN() {
        assertThat(PromMath.histogramQuantile(0.5, envoy())).isNaN();
        assertThat(PromMath.histogramQuantile(0.5, List.of(new PromMath.Bucket(5, 3))))
                .isNaN();
        assertThat(PromMath.histogramQuantile(1.5, envoy(1))).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(PromMath.histogramQuantile(-1, envoy(1))).isEqualTo(Double.NEGATIVE_INFINITY);
    }
}
