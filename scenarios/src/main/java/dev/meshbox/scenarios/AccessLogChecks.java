package dev.meshbox.scenarios;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code accessLog} expectation: what one proxy on a request's way wrote about it. Istio's tasks read a proxy's
 * access log to show the way traffic took (the egress gateway task: the sidecar's line names the gateway's cluster,
 * the gateway's line {@code outbound|80||edition.cnn.com}); a scenario reads the same lines by request id.
 */
final class AccessLogChecks {

    private AccessLogChecks() {}

    static ScenarioReport.Check logged(Scenario.AccessLogged want, StepObservation o) {
        Map<String, MeshAccess.LogEntry> byRequest = new TreeMap<>();
        for (MeshAccess.LogEntry e : o.log()) {
            if (AccessLogQueries.loggedBy(want.proxy(), e)) {
                // A sidecar logs a request twice when it calls itself; the outbound line is the one on its way out.
                byRequest.merge(e.requestId(), e, (a, b) -> "outbound".equals(a.direction()) ? a : b);
            }
        }
        Set<String> ids = new HashSet<>();
        o.results().forEach(r -> ids.add(r.requestId()));
        int n = 0;
        Map<String, Integer> seen = new TreeMap<>();
        for (TrafficDriver.Result r : o.results()) {
            MeshAccess.LogEntry e = byRequest.get(r.requestId());
            if (e == null) {
                seen.merge("not logged", 1, Integer::sum);
                continue;
            }
            boolean cluster =
                    want.cluster().map(c -> c.equals(e.upstreamCluster())).orElse(true);
            boolean code = want.code().map(c -> c == e.responseCode()).orElse(true);
            if (cluster && code) {
                n++;
            }
            seen.merge(e.responseCode() + " " + e.upstreamCluster(), 1, Integer::sum);
        }
        int total = ids.size();
        if (total > 0 && seen.getOrDefault("not logged", 0) == total) {
            // TCP and TLS passthrough lines ("- - -" 0) carry no request id: the proxy's last line per connection.
            List<MeshAccess.LogEntry> lines = lastConnectionLines(want, o, total);
            if (!lines.isEmpty()) {
                seen.clear();
                n = 0;
                for (MeshAccess.LogEntry e : lines) {
                    if (matches(want, e)) {
                        n++;
                    }
                    seen.merge(e.responseCode() + " " + e.upstreamCluster(), 1, Integer::sum);
                }
            }
        }
        boolean ok = total > 0 && Evaluator.share(n, total) >= want.share() - 1e-9;
        String what = want.proxy() + " logged" + want.code().map(c -> " " + c).orElse("")
                + want.cluster().map(c -> " " + c).orElse("");
        return new ScenarioReport.Check(
                what,
                want.share() >= 1 ? "all" : ">= " + Evaluator.fmt(want.share()),
                Evaluator.ratio(n, total),
                ok,
                ok ? "" : want.proxy() + "'s access log: " + Evaluator.describeCounts(seen, total));
    }

    /** A line of Envoy's tcp_proxy: no request id, response code 0. */
    private static boolean connectionLine(MeshAccess.LogEntry e) {
        String id = e.requestId();
        return e.responseCode() == 0 && (id == null || id.isEmpty() || id.equals("null") || id.equals("-"));
    }

    private static boolean matches(Scenario.AccessLogged want, MeshAccess.LogEntry e) {
        return want.cluster().map(c -> c.equals(e.upstreamCluster())).orElse(true)
                && want.code().map(c -> c == e.responseCode()).orElse(true);
    }

    /**
     * The proxy's last {@code count} connection lines, read again until they all match or a few seconds passed: a
     * proxy writes a connection's line when the connection closes, which may be just after the client saw its answer.
     */
    private static List<MeshAccess.LogEntry> lastConnectionLines(
            Scenario.AccessLogged want, StepObservation o, int count) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        List<MeshAccess.LogEntry> log = o.log();
        while (true) {
            List<MeshAccess.LogEntry> lines = log.stream()
                    .filter(e -> AccessLogQueries.loggedBy(want.proxy(), e) && connectionLine(e))
                    .toList();
            lines = lines.subList(Math.max(0, lines.size() - count), lines.size());
            boolean done = lines.size() == count && lines.stream().allMatch(e -> matches(want, e));
            if (done || System.nanoTime() > deadline || o.mesh() == null) {
                return lines;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return lines;
            }
            log = o.mesh().accessLog();
        }
    }
}
