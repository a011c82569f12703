package dev.meshbox.webui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The handful of PromQL shapes Istio's dashboards use ({@code manifests/addons/dashboards/lib/queries.libsonnet}), as
 * values: {@link MetricsStore} evaluates them in Java, {@link PrometheusSource} sends {@link #promql} to a real
 * Prometheus. Not a PromQL parser: only these shapes exist.
 */
sealed interface PromQuery {

    /** The PromQL text, with {@code rate} over {@code rateInterval} ({@code 1m}, {@code 20s}). */
    String promql(String rateInterval);

    /** A label matcher; regular expressions are anchored, as Prometheus anchors them. */
    record Matcher(String label, String op, String value, Pattern regex) {
        static Matcher eq(String label, String value) {
            return new Matcher(label, "=", value, null);
        }

        static Matcher re(String label, String value) {
            return new Matcher(label, "=~", value, Pattern.compile(value));
        }

        static Matcher notRe(String label, String value) {
            return new Matcher(label, "!~", value, Pattern.compile(value));
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.getOrDefault(label, "");
            return switch (op) {
                case "=" -> v.equals(value);
                case "!=" -> !v.equals(value);
                case "=~" -> regex.matcher(v).matches();
                case "!~" -> !regex.matcher(v).matches();
                default -> throw new IllegalStateException(op);
            };
        }

        String promql() {
            return label + op + "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }

    /** {@code metric{matchers}}. */
    record Selector(String metric, List<Matcher> matchers) {
        public Selector {
            matchers = List.copyOf(matchers);
        }

        boolean matches(Map<String, String> labels) {
            return matchers.stream().allMatch(m -> m.matches(labels));
        }

        Selector and(Matcher m) {
            List<Matcher> all = new ArrayList<>(matchers);
            all.add(m);
            return new Selector(metric, all);
        }

        Selector metric(String name) {
            return new Selector(name, matchers);
        }

        String promql() {
            return metric + matchers.stream().map(Matcher::promql).collect(Collectors.joining(",", "{", "}"));
        }
    }

    /** {@code sum by (by) (rate(selector[r]))}; {@code by} empty sums everything into one series. */
    record SumRate(Selector selector, List<String> by) implements PromQuery {
        public SumRate {
            by = List.copyOf(by);
        }

        @Override
        public String promql(String rateInterval) {
            return "sum" + (by.isEmpty() ? "" : " by (" + String.join(", ", by) + ")") + " (rate(" + selector.promql()
                    + "[" + rateInterval + "]))";
        }
    }

    /** {@code histogram_quantile(q, sum by (le, by) (rate(selector_bucket[r])))}. */
    record Quantile(double q, Selector buckets, List<String> by) implements PromQuery {
        public Quantile {
            by = List.copyOf(by);
        }

        SumRate bucketRates() {
            List<String> withLe = new ArrayList<>(by);
            withLe.add(0, "le");
            return new SumRate(buckets, withLe);
        }

        @Override
        public String promql(String rateInterval) {
            return "histogram_quantile(" + q + ", " + bucketRates().promql(rateInterval) + ")";
        }
    }

    /** {@code numerator / denominator}, one-to-one on identical label sets. */
    record Ratio(SumRate numerator, SumRate denominator) implements PromQuery {
        @Override
        public String promql(String rateInterval) {
            return numerator.promql(rateInterval) + " / " + denominator.promql(rateInterval);
        }
    }
}
