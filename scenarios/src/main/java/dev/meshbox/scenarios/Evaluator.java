package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Checks a step's expectations against the responses and the proxies' access logs. */
final class Evaluator {

    private Evaluator() {
    }

    static List<ScenarioReport.Check> evaluate(List<Scenario.Expectation> expectations, List<TrafficDriver.Result> results,
                                               List<MeshAccess.LogEntry> log) {
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Scenario.Expectation e : expectations) {
            if (e instanceof Scenario.VersionShare v) {
                checks.addAll(versionShare(v, results, log));
            } else if (e instanceof Scenario.StatusShare s) {
                checks.addAll(statusShare(s, results));
            }
        }
        return checks;
    }

    /** The version of {@code service} that served each request, from the inbound access logs of its pods. */
    static Map<String, String> servedBy(String service, List<MeshAccess.LogEntry> log) {
        Map<String, String> byRequest = new HashMap<>();
        for (MeshAccess.LogEntry e : log) {
            if (!"inbound".equals(e.direction()) || !service.equals(e.podLabels().get("app"))) {
                continue;
            }
            String version = e.podLabels().getOrDefault("version", "unknown");
            // A retried request may reach two pods; the one that answered below 500 is the one that served it.
            if (!byRequest.containsKey(e.requestId()) || e.responseCode() < 500) {
                byRequest.put(e.requestId(), version);
            }
        }
        return byRequest;
    }

    private static List<ScenarioReport.Check> versionShare(Scenario.VersionShare v, List<TrafficDriver.Result> results,
                                                           List<MeshAccess.LogEntry> log) {
        Map<String, String> served = servedBy(v.service(), log);
        Map<String, Integer> counts = new TreeMap<>();
        for (TrafficDriver.Result r : results) {
            counts.merge(served.getOrDefault(r.requestId(), "none"), 1, Integer::sum);
        }
        int total = results.size();
        String seen = describeCounts(counts, total);
        String routing = routing(v.service(), results, log);
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Map.Entry<String, Double> want : v.shares().entrySet()) {
            int n = counts.getOrDefault(want.getKey(), 0);
            double share = total == 0 ? 0 : (double) n / total;
            boolean ok = Math.abs(share - want.getValue()) <= v.tolerance() + 1e-9;
            String explanation = ok ? "" : "served by " + v.service() + ": " + seen + (routing.isEmpty() ? "" : "; " + routing);
            checks.add(new ScenarioReport.Check(v.service() + " " + want.getKey() + " share",
                    fmt(want.getValue()) + " ± " + fmt(v.tolerance()),
                    String.format(Locale.ROOT, "%.3f (%d/%d)", share, n, total), ok, explanation));
        }
        return checks;
    }

    private static List<ScenarioReport.Check> statusShare(Scenario.StatusShare s, List<TrafficDriver.Result> results) {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (TrafficDriver.Result r : results) {
            counts.merge(r.status(), 1, Integer::sum);
        }
        int total = results.size();
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Map.Entry<Integer, Double> want : s.shares().entrySet()) {
            int n = counts.getOrDefault(want.getKey(), 0);
            double share = total == 0 ? 0 : (double) n / total;
            boolean ok = Math.abs(share - want.getValue()) <= s.tolerance() + 1e-9;
            Map<String, Integer> all = new TreeMap<>();
            counts.forEach((k, c) -> all.put(k == 0 ? "no response" : k.toString(), c));
            String firstError = results.stream().filter(r -> r.error() != null).map(TrafficDriver.Result::error).findFirst().orElse("");
            checks.add(new ScenarioReport.Check("status " + want.getKey() + " share",
                    fmt(want.getValue()) + (s.tolerance() > 0 ? " ± " + fmt(s.tolerance()) : ""),
                    String.format(Locale.ROOT, "%.3f (%d/%d)", share, n, total), ok,
                    ok ? "" : "status codes: " + describeCounts(all, total) + (firstError.isEmpty() ? "" : "; first error: " + firstError)));
        }
        return checks;
    }

    /** Which clusters the callers' sidecars sent the service's requests to, and by which route. */
    private static String routing(String service, List<TrafficDriver.Result> results, List<MeshAccess.LogEntry> log) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        results.forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> clusters = new TreeMap<>();
        for (MeshAccess.LogEntry e : log) {
            if ("outbound".equals(e.direction()) && ids.contains(e.requestId()) && e.upstreamCluster() != null
                    && e.upstreamCluster().contains("|" + service + ".")) {
                String route = e.routeName() == null || e.routeName().isEmpty() || e.routeName().equals("-") ? "" : " (route " + e.routeName() + ")";
                clusters.merge(e.upstreamCluster() + route, 1, Integer::sum);
            }
        }
        if (clusters.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("sidecars sent them to ");
        clusters.forEach((c, n) -> sb.append(c).append(" x").append(n).append(", "));
        return sb.substring(0, sb.length() - 2);
    }

    private static <K> String describeCounts(Map<K, Integer> counts, int total) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(n).append('/').append(total));
        return sb.toString();
    }

    static String fmt(double d) {
        String s = String.format(Locale.ROOT, "%.3f", d);
        return s.replaceAll("0+$", "").replaceAll("\\.$", ".0");
    }
}
