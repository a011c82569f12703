package dev.meshbox.webui;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The two PromQL functions Istio's dashboards are built on, as Prometheus computes them ({@code promql/functions.go}
 * {@code extrapolatedRate}, {@code promql/quantile.go} {@code bucketQuantile}), so the UI's own store and a real
 * Prometheus draw the same numbers from the same samples.
 */
final class PromMath {

    /** One sample of a series: milliseconds since the epoch and the value. */
    record Point(long millis, double value) {}

    /** One bucket of a histogram: its upper bound {@code le} and the cumulative count (or rate) up to it. */
    record Bucket(double upperBound, double count) {}

    private PromMath() {}

    /**
     * {@code rate(series[range])} evaluated at {@code at}: the counter's increase over the samples in
     * {@code [at - range, at]} (a value lower than the one before is a reset: the counter restarted from 0),
     * extrapolated to the range's edges as Prometheus does, per second. Empty with fewer than two samples, as
     * Prometheus drops such a series. {@code samples} are in time order.
     */
    static java.util.OptionalDouble rate(List<Point> samples, long at, long rangeMillis) {
        // Samples are in time order: find the range's by bisection, a dashboard asks this for every point of every
        // series.
        int from = firstAtOrAfter(samples, at - rangeMillis);
        int to = firstAtOrAfter(samples, at + 1);
        List<Point> in = new ArrayList<>(Math.max(0, to - from));
        for (Point p : samples.subList(from, Math.max(from, to))) {
            if (!Double.isNaN(p.value())) {
                in.add(p);
            }
        }
        if (in.size() < 2) {
            return java.util.OptionalDouble.empty();
        }
        Point first = in.get(0);
        Point last = in.get(in.size() - 1);
        double result = last.value() - first.value();
        double previous = 0;
        for (Point p : in) {
            if (p.value() < previous) {
                result += previous;
            }
            previous = p.value();
        }
        double toStart = (first.millis() - (at - rangeMillis)) / 1000.0;
        double toEnd = (at - last.millis()) / 1000.0;
        double sampled = (last.millis() - first.millis()) / 1000.0;
        double average = sampled / (in.size() - 1);
        if (result > 0 && first.value() >= 0) {
            // A counter is never negative: extrapolate at most back to where it would have been 0.
            double toZero = sampled * (first.value() / result);
            toStart = Math.min(toStart, toZero);
        }
        double threshold = average * 1.1;
        double interval = sampled;
        interval += toStart < threshold ? toStart : average / 2;
        interval += toEnd < threshold ? toEnd : average / 2;
        return java.util.OptionalDouble.of(result * (interval / sampled) / (rangeMillis / 1000.0));
    }

    private static int firstAtOrAfter(List<Point> samples, long millis) {
        int lo = 0;
        int hi = samples.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (samples.get(mid).millis() < millis) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * {@code histogram_quantile(q, ...)} over one series' buckets: linear interpolation inside the bucket holding the
     * rank, from 0 for the first bucket; a rank in the {@code +Inf} bucket answers the highest finite bound. NaN with
     * no observations, fewer than two buckets or no {@code +Inf} bucket.
     */
    static double histogramQuantile(double q, List<Bucket> unsorted) {
        if (Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        List<Bucket> buckets = new ArrayList<>(unsorted);
        buckets.sort(Comparator.comparingDouble(Bucket::upperBound));
        if (buckets.isEmpty() || buckets.get(buckets.size() - 1).upperBound() != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        buckets = coalesce(buckets);
        // Rates of cumulative counters taken one by one can dip by a rounding error: keep them monotonic.
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < buckets.size(); i++) {
            max = Math.max(max, buckets.get(i).count());
            buckets.set(i, new Bucket(buckets.get(i).upperBound(), max));
        }
        if (buckets.size() < 2) {
            return Double.NaN;
        }
        double observations = buckets.get(buckets.size() - 1).count();
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        int b = 0;
        while (b < buckets.size() - 1 && buckets.get(b).count() < rank) {
            b++;
        }
        if (b == buckets.size() - 1) {
            return buckets.get(buckets.size() - 2).upperBound();
        }
        if (b == 0 && buckets.get(0).upperBound() <= 0) {
            return buckets.get(0).upperBound();
        }
        double start = 0;
        double end = buckets.get(b).upperBound();
        double count = buckets.get(b).count();
        if (b > 0) {
            start = buckets.get(b - 1).upperBound();
            count -= buckets.get(b - 1).count();
            rank -= buckets.get(b - 1).count();
        }
        return start + (end - start) * (rank / count);
    }

    /** Buckets with the same bound (from series that differ only in labels summed away) add up. */
    private static List<Bucket> coalesce(List<Bucket> sorted) {
        List<Bucket> out = new ArrayList<>();
        for (Bucket b : sorted) {
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).upperBound() == b.upperBound()) {
                out.set(last, new Bucket(b.upperBound(), out.get(last).count() + b.count()));
            } else {
                out.add(b);
            }
        }
        return out;
    }
}
