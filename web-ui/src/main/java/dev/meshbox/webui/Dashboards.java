package dev.meshbox.webui;

import dev.meshbox.webui.PromQuery.Matcher;
import dev.meshbox.webui.PromQuery.Quantile;
import dev.meshbox.webui.PromQuery.Ratio;
import dev.meshbox.webui.PromQuery.Selector;
import dev.meshbox.webui.PromQuery.SumRate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Istio's Grafana dashboards' main panels (mesh, service, workload: {@code manifests/addons/dashboards}) as JSON for
 * the page: the same queries, asked of a {@link MetricsSource} over a time range, a stat panel's value being the
 * last one of its range as Grafana's {@code lastNotNull} shows it. Rates are over Grafana's
 * {@code $__rate_interval} (the step plus one scrape, at least four scrapes) unless the page asks for another.
 */
final class Dashboards {

    /** What the page asked for: the range shown, the rate's range (0 for Grafana's automatic one) and the end. */
    record Window(long millis, long rateMillis, long endMillis) {}

    static final String REQUESTS = "istio_requests_total";
    static final String DURATION = "istio_request_duration_milliseconds_bucket";
    private static final int MAX_POINTS = 60;
    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+)(s|m|h)");

    private final MetricsSource source;
    private final Window window;
    private final MetricsSource.Range range;
    private final long rateMillis;

    Dashboards(MetricsSource source, Window window) {
        this.source = source;
        this.window = window;
        long step = Math.max(source.scrapeMillis(), window.millis() / MAX_POINTS);
        int points = (int) Math.max(2, window.millis() / step + 1);
        long end = window.endMillis() / step * step; // aligned, as Grafana aligns a range query
        this.range = new MetricsSource.Range(end - (points - 1) * step, step, points);
        this.rateMillis = window.rateMillis() > 0
                ? window.rateMillis()
                : Math.max(step + source.scrapeMillis(), 4 * source.scrapeMillis());
    }

    /** {@code 5m}, {@code 30s}, {@code 1h} in milliseconds; {@code field} names the query parameter in the error. */
    static long duration(String text, String field, long max) {
        java.util.regex.Matcher m = DURATION_TEXT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw ApiException.badRequest(field + ": must be a duration such as 30s, 5m or 1h, got \"" + text + "\"");
        }
        long unit = switch (m.group(2)) {
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            default -> 3_600_000L;
        };
        long millis = Long.parseLong(m.group(1)) * unit;
        if (millis < 10_000 || millis > max) {
            throw ApiException.badRequest(
                    field + ": must be from 10s to " + (max / 60_000) + "m, got \"" + text + "\"");
        }
        return millis;
    }

    private static Selector requests(Matcher... m) {
        return new Selector(REQUESTS, List.of(m));
    }

    private static Matcher sourceReporter() {
        return Matcher.re("reporter", "source|waypoint");
    }

    /** Istio's mesh dashboard: global request volume, success rate, 4xx, 5xx, the HTTP and TCP workload tables. */
    Map<String, Object> mesh() {
        Map<String, Object> out = header("mesh", "Istio Mesh Dashboard");
        Selector all = requests(sourceReporter());
        Map<String, Object> stats = new LinkedHashMap<>();
        SumRate volume = new SumRate(all, List.of());
        Ratio success = successRate(all, List.of());
        SumRate fourxx = new SumRate(all.and(Matcher.re("response_code", "4..")), List.of());
        SumRate fivexx = new SumRate(all.and(Matcher.re("response_code", "5..")), List.of());
        double[] volumeValues = single(volume);
        stats.put("requests", last(volumeValues));
        stats.put("successRate", successOrNull(single(success), volumeValues));
        stats.put("4xx", orZero(last(single(fourxx))));
        stats.put("5xx", orZero(last(single(fivexx))));
        out.put("stats", stats);
        out.put(
                "charts",
                List.of(
                        chart("requests", "Global request volume", "req/s", Map.of("requests", volumeValues)),
                        chart(
                                "errors",
                                "4xx and 5xx",
                                "req/s",
                                ordered(
                                        "4xx",
                                        orZero(single(fourxx), volumeValues),
                                        "5xx",
                                        orZero(single(fivexx), volumeValues)))));
        List<String> by = List.of("destination_workload", "destination_workload_namespace", "destination_service");
        out.put("http", httpTable(all, by, List.of("destination_workload", "destination_workload_namespace")));
        out.put("tcp", tcpTable(new Selector("", List.of(sourceReporter())), by));
        return out;
    }

    /** Istio's service dashboard for one {@code destination_service} (an FQDN), as its clients report it. */
    Map<String, Object> service(String service) {
        Map<String, Object> out = header("service", "Istio Service Dashboard");
        out.put("service", service);
        Selector calls = requests(Matcher.eq("reporter", "source"), Matcher.eq("destination_service", service));
        out.put("stats", stats(calls));
        out.put("charts", charts(calls));
        // Who calls it, and which versions served the calls: Istio's "Incoming requests by source" and the split.
        out.put(
                "bySource",
                httpTable(
                        calls,
                        List.of("source_workload", "source_workload_namespace"),
                        List.of("source_workload", "source_workload_namespace")));
        out.put("byVersion", split(calls, List.of("destination_workload", "destination_version")));
        out.put(
                "tcp",
                tcpTable(
                        new Selector(
                                "",
                                List.of(Matcher.eq("reporter", "source"), Matcher.eq("destination_service", service))),
                        List.of("source_workload", "source_workload_namespace")));
        return out;
    }

    /** Istio's workload dashboard: inbound as the workload's own sidecar reports it, outbound as it calls others. */
    Map<String, Object> workload(String workload, String namespace) {
        Map<String, Object> out = header("workload", "Istio Workload Dashboard");
        out.put("workload", workload);
        out.put("namespace", namespace);
        Selector inbound = requests(
                Matcher.eq("reporter", "destination"),
                Matcher.eq("destination_workload", workload),
                Matcher.eq("destination_workload_namespace", namespace));
        Selector outbound = requests(
                Matcher.eq("reporter", "source"),
                Matcher.eq("source_workload", workload),
                Matcher.eq("source_workload_namespace", namespace));
        out.put("stats", stats(inbound));
        out.put("charts", charts(inbound));
        out.put(
                "inbound",
                httpTable(
                        inbound,
                        List.of("source_workload", "source_workload_namespace"),
                        List.of("source_workload", "source_workload_namespace")));
        out.put("outbound", httpTable(outbound, List.of("destination_service"), List.of("destination_service")));
        out.put(
                "tcp",
                tcpTable(
                        new Selector(
                                "",
                                List.of(
                                        Matcher.eq("reporter", "destination"),
                                        Matcher.eq("destination_workload", workload),
                                        Matcher.eq("destination_workload_namespace", namespace))),
                        List.of("source_workload", "source_workload_namespace")));
        return out;
    }

    private Map<String, Object> header(String kind, String title) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dashboard", kind);
        out.put("title", title);
        out.put("source", source.name());
        out.put("windowSeconds", window.millis() / 1000);
        out.put("stepSeconds", range.stepMillis() / 1000.0);
        out.put("rate", (rateMillis / 1000) + "s");
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < range.points(); i++) {
            times.add(range.at(i));
        }
        out.put("times", times);
        return out;
    }

    private Map<String, Object> stats(Selector calls) {
        Map<String, Object> stats = new LinkedHashMap<>();
        double[] volume = single(new SumRate(calls, List.of()));
        stats.put("requests", last(volume));
        stats.put("successRate", successOrNull(single(successRate(calls, List.of())), volume));
        stats.put("4xx", orZero(last(single(new SumRate(calls.and(Matcher.re("response_code", "4..")), List.of())))));
        stats.put("5xx", orZero(last(single(new SumRate(calls.and(Matcher.re("response_code", "5..")), List.of())))));
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            stats.put("p" + Math.round(q * 100), last(single(new Quantile(q, calls.metric(DURATION), List.of()))));
        }
        return stats;
    }

    private List<Map<String, Object>> charts(Selector calls) {
        return List.of(
                chart("requests", "Request volume", "req/s", Map.of("requests", single(new SumRate(calls, List.of())))),
                chart(
                        "successRate",
                        "Success rate (non-5xx responses)",
                        "%",
                        Map.of("success rate", single(successRate(calls, List.of())))),
                chart(
                        "duration",
                        "Request duration",
                        "ms",
                        ordered(
                                "P50",
                                single(new Quantile(0.5, calls.metric(DURATION), List.of())),
                                "P90",
                                single(new Quantile(0.9, calls.metric(DURATION), List.of())),
                                "P99",
                                single(new Quantile(0.99, calls.metric(DURATION), List.of())))));
    }

    private static Ratio successRate(Selector calls, List<String> by) {
        return new Ratio(new SumRate(calls.and(Matcher.notRe("response_code", "5..")), by), new SumRate(calls, by));
    }

    /** Rows by {@code by}: requests, P50/P90/P99 (by {@code latencyBy}, as Istio's table joins them) and success. */
    private List<Map<String, Object>> httpTable(Selector calls, List<String> by, List<String> latencyBy) {
        Map<Map<String, String>, double[]> volume = source.query(new SumRate(calls, by), range, rateMillis);
        Map<Map<String, String>, double[]> success = source.query(successRate(calls, by), range, rateMillis);
        Map<String, Map<Map<String, String>, double[]>> latency = new LinkedHashMap<>();
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            latency.put(
                    "p" + Math.round(q * 100),
                    source.query(new Quantile(q, calls.metric(DURATION), latencyBy), range, rateMillis));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        volume.forEach((labels, values) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            by.forEach(l -> row.put(l, labels.getOrDefault(l, "")));
            row.put("requests", last(values));
            Map<String, String> key = new TreeMap<>();
            latencyBy.forEach(l -> key.put(l, labels.getOrDefault(l, "")));
            latency.forEach((name, series) -> row.put(name, last(find(series, key))));
            row.put("successRate", successOrNull(find(success, labels), values));
            rows.add(row);
        });
        rows.sort(Comparator.comparing(
                r -> by.stream().map(l -> (String) r.get(l)).toList().toString()));
        return rows;
    }

    /** The per-version split: each version's share of the requests over the rate's range, now. */
    private List<Map<String, Object>> split(Selector calls, List<String> by) {
        Map<Map<String, String>, double[]> volume = source.query(new SumRate(calls, by), range, rateMillis);
        double total = 0;
        for (double[] v : volume.values()) {
            Double l = last(v);
            total += l == null ? 0 : l;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<Map<String, String>, double[]> e : volume.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            by.forEach(l -> row.put(l, e.getKey().getOrDefault(l, "")));
            Double rate = last(e.getValue());
            row.put("requests", rate);
            row.put("share", rate == null || total == 0 ? null : rate / total);
            row.put("values", values(e.getValue()));
            rows.add(row);
        }
        rows.sort(Comparator.comparing(r -> r.get("destination_workload") + "/" + r.get("destination_version")));
        return rows;
    }

    /** Bytes per second sent and received, by {@code by}, from Istio's TCP counters. */
    private List<Map<String, Object>> tcpTable(Selector filter, List<String> by) {
        Map<Map<String, String>, Map<String, Object>> rows = new TreeMap<>(Comparator.comparing(Object::toString));
        for (String metric : List.of("istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total")) {
            source.query(new SumRate(filter.metric(metric), by), range, rateMillis)
                    .forEach((labels, values) -> {
                        Map<String, Object> row = rows.computeIfAbsent(labels, k -> {
                            Map<String, Object> r = new LinkedHashMap<>();
                            by.forEach(l -> r.put(l, labels.getOrDefault(l, "")));
                            return r;
                        });
                        row.put(metric.contains("sent") ? "sentBytes" : "receivedBytes", last(values));
                    });
        }
        return new ArrayList<>(rows.values());
    }

    /** The one series of a query with no {@code by} labels, or NaN throughout when it has none. */
    private double[] single(PromQuery q) {
        Map<Map<String, String>, double[]> r = source.query(q, range, rateMillis);
        if (r.isEmpty()) {
            double[] nan = new double[range.points()];
            java.util.Arrays.fill(nan, Double.NaN);
            return nan;
        }
        return r.values().iterator().next();
    }

    /** A series of a result by its labels; Prometheus leaves empty labels out, the store keeps them as "". */
    private static double[] find(Map<Map<String, String>, double[]> result, Map<String, String> labels) {
        for (Map.Entry<Map<String, String>, double[]> e : result.entrySet()) {
            boolean same = true;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                same &= e.getKey().getOrDefault(l.getKey(), "").equals(l.getValue());
            }
            if (same) {
                return e.getValue();
            }
        }
        return new double[] {Double.NaN};
    }

    /**
     * The success rate, or null without traffic. Requests that were all 5xx leave the numerator with no series at
     * all: that is 0 %, not "no data".
     */
    private static Double successOrNull(double[] success, double[] volume) {
        Double s = last(success);
        if (s != null) {
            return s;
        }
        Double v = last(volume);
        return v != null && v > 0 ? 0.0 : null;
    }

    /** Istio's {@code or vector(0)} over a range: 0 wherever there was traffic but none of these. */
    private static double[] orZero(double[] values, double[] volume) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            if (Double.isNaN(out[i]) && !Double.isNaN(volume[i])) {
                out[i] = 0;
            }
        }
        return out;
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d; // Istio's "or vector(0)"
    }

    /** Grafana's lastNotNull; null when there is no value. */
    static Double last(double[] values) {
        for (int i = values.length - 1; i >= 0; i--) {
            if (!Double.isNaN(values[i]) && !Double.isInfinite(values[i])) {
                return values[i];
            }
        }
        return null;
    }

    private static Map<String, Object> chart(String id, String title, String unit, Map<String, double[]> series) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("title", title);
        c.put("unit", unit);
        List<Map<String, Object>> out = new ArrayList<>();
        series.forEach((name, values) -> out.add(Map.of("name", name, "values", values(values))));
        c.put("series", out);
        return c;
    }

    private static Map<String, double[]> ordered(Object... nameThenValues) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenValues.length; i += 2) {
            m.put((String) nameThenValues[i], (double[]) nameThenValues[i + 1]);
        }
        return m;
    }

    /** JSON has no NaN: a point without a value is null, a gap in the line. */
    private static List<Double> values(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(Double.isNaN(v) || Double.isInfinite(v) ? null : v);
        }
        return out;
    }
}
