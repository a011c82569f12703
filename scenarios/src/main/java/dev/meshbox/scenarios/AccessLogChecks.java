package dev.meshbox.scenarios;

import java.util.HashSet;
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
}
