package dev.meshbox.scenarios;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Checks a step's expectations against the responses, the proxies' access logs and their counters. */
final class Evaluator {

    private Evaluator() {}

    static List<ScenarioReport.Check> evaluate(List<Scenario.Expectation> expectations, StepObservation o) {
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Scenario.Expectation e : expectations) {
            if (e instanceof Scenario.VersionShare v) {
                checks.addAll(versionShare(v, o));
            } else if (e instanceof Scenario.StatusShare s) {
                checks.addAll(statusShare(s, o));
            } else if (e instanceof Scenario.Status s) {
                checks.add(status(s, o));
            } else if (e instanceof Scenario.ResponseFlags f) {
                checks.add(flags(f, o));
            } else if (e instanceof Scenario.Latency l) {
                checks.add(latency(l, o));
            } else if (e instanceof Scenario.BodyContains b) {
                checks.add(body(b, o));
            } else if (e instanceof Scenario.HeaderContains h) {
                checks.add(header(h, o));
            } else if (e instanceof Scenario.Received r) {
                checks.add(received(r, o));
            } else if (e instanceof Scenario.Counter c) {
                checks.add(counter(c, o));
            } else if (e instanceof Scenario.Pods p) {
                checks.add(RequestPathChecks.pods(p, o));
            } else if (e instanceof Scenario.Redirect r) {
                checks.add(RequestPathChecks.redirect(r, o));
            } else if (e instanceof Scenario.AccessLogged a) {
                checks.add(AccessLogChecks.logged(a, o));
            }
        }
        return checks;
    }

    private static List<ScenarioReport.Check> versionShare(Scenario.VersionShare v, StepObservation o) {
        Map<String, String> served = AccessLogQueries.servedBy(v.service(), o.log());
        Map<String, Integer> counts = new TreeMap<>();
        for (TrafficDriver.Result r : o.results()) {
            counts.merge(AccessLogQueries.servedBy(served, r), 1, Integer::sum);
        }
        int total = o.results().size();
        String seen = describeCounts(counts, total);
        String routing = routing(v.service(), o);
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Map.Entry<String, Double> want : v.shares().entrySet()) {
            int n = counts.getOrDefault(want.getKey(), 0);
            double share = share(n, total);
            boolean ok = Math.abs(share - want.getValue()) <= v.tolerance() + 1e-9;
            String explanation = ok
                    ? ""
                    : "served by " + v.service() + ": " + seen + (routing.isEmpty() ? "" : "; " + routing)
                            + (counts.containsKey(AccessLogQueries.NOT_SERVED)
                                    ? "; \"none\" means the request never reached " + v.service() + " (see the flags: "
                                            + flagSummary(o) + ")"
                                    : "");
            checks.add(new ScenarioReport.Check(
                    v.service() + " " + want.getKey() + " share",
                    fmt(want.getValue()) + " ± " + fmt(v.tolerance()),
                    ratio(n, total),
                    ok,
                    explanation));
        }
        return checks;
    }

    private static List<ScenarioReport.Check> statusShare(Scenario.StatusShare s, StepObservation o) {
        Map<Integer, Integer> counts = statusCounts(o);
        int total = o.results().size();
        List<ScenarioReport.Check> checks = new ArrayList<>();
        for (Map.Entry<Integer, Double> want : s.shares().entrySet()) {
            int n = counts.getOrDefault(want.getKey(), 0);
            boolean ok = Math.abs(share(n, total) - want.getValue()) <= s.tolerance() + 1e-9;
            checks.add(new ScenarioReport.Check(
                    "status " + code(want.getKey()) + " share",
                    fmt(want.getValue()) + (s.tolerance() > 0 ? " ± " + fmt(s.tolerance()) : ""),
                    ratio(n, total),
                    ok,
                    ok ? "" : statusExplanation(o)));
        }
        return checks;
    }

    private static ScenarioReport.Check status(Scenario.Status s, StepObservation o) {
        int n = statusCounts(o).getOrDefault(s.code(), 0);
        int total = o.results().size();
        double share = share(n, total);
        boolean ok = s.min().map(m -> n >= m).orElse(true)
                && s.max().map(m -> n <= m).orElse(true)
                && s.minShare().map(m -> share >= m - 1e-9).orElse(true)
                && s.maxShare().map(m -> share <= m + 1e-9).orElse(true);
        List<String> bounds = new ArrayList<>();
        s.min().ifPresent(m -> bounds.add(">= " + m));
        s.max().ifPresent(m -> bounds.add("<= " + m));
        s.minShare().ifPresent(m -> bounds.add(">= " + fmt(m) + " share"));
        s.maxShare().ifPresent(m -> bounds.add("<= " + fmt(m) + " share"));
        return new ScenarioReport.Check(
                "status " + code(s.code()),
                String.join(", ", bounds),
                ratio(n, total),
                ok,
                ok ? "" : statusExplanation(o));
    }

    private static ScenarioReport.Check flags(Scenario.ResponseFlags f, StepObservation o) {
        Map<String, Integer> status = new HashMap<>();
        o.results().forEach(r -> status.put(r.requestId(), r.status()));
        int considered = 0;
        int flagged = 0;
        Map<String, Integer> seen = new TreeMap<>();
        for (MeshAccess.LogEntry e : o.log()) {
            Integer code = status.get(e.requestId());
            if (code == null
                    || !o.atSource(e)
                    || f.status().isPresent() && code.intValue() != f.status().get()) {
                continue;
            }
            considered++;
            seen.merge(e.responseFlags(), 1, Integer::sum);
            if (ResponseFlag.has(e.responseFlags(), f.flag())) {
                flagged++;
            }
        }
        double share = share(flagged, considered);
        boolean ok = considered > 0 && share >= f.share() - 1e-9;
        String what = "flag " + f.flag() + f.status().map(s -> " on " + s + "s").orElse("");
        return new ScenarioReport.Check(
                what,
                f.share() >= 1 ? "all" : ">= " + fmt(f.share()),
                ratio(flagged, considered),
                ok,
                ok
                        ? ""
                        : considered == 0
                                ? "no response"
                                        + f.status()
                                                .map(s -> " with status " + s)
                                                .orElse("") + " to check"
                                : "flags seen at the source proxy: " + describeCounts(seen, considered));
    }

    private static ScenarioReport.Check latency(Scenario.Latency l, StepObservation o) {
        List<Long> nanos = new ArrayList<>();
        o.results().stream().filter(r -> r.status() > 0).forEach(r -> nanos.add(r.nanos()));
        nanos.sort(Long::compare);
        String what = "latency p" + fmt(l.percentile()).replaceAll("\\.0$", "");
        List<String> bounds = new ArrayList<>();
        l.min().ifPresent(m -> bounds.add(">= " + seconds(m)));
        l.max().ifPresent(m -> bounds.add("<= " + seconds(m)));
        if (nanos.isEmpty()) {
            return new ScenarioReport.Check(
                    what, String.join(", ", bounds), "no responses", false, statusExplanation(o));
        }
        int idx = (int) Math.ceil(l.percentile() / 100.0 * nanos.size()) - 1;
        Duration d = Duration.ofNanos(nanos.get(Math.max(0, Math.min(idx, nanos.size() - 1))));
        boolean ok = l.min().map(m -> d.compareTo(m) >= 0).orElse(true)
                && l.max().map(m -> d.compareTo(m) <= 0).orElse(true);
        return new ScenarioReport.Check(
                what,
                String.join(", ", bounds),
                seconds(d),
                ok,
                ok
                        ? ""
                        : "min " + seconds(Duration.ofNanos(nanos.get(0))) + ", max "
                                + seconds(Duration.ofNanos(nanos.get(nanos.size() - 1))) + "; flags at the source: "
                                + flagSummary(o));
    }

    private static ScenarioReport.Check body(Scenario.BodyContains b, StepObservation o) {
        int n = (int) o.results().stream()
                .filter(r -> r.body().contains(b.text()) != b.absent())
                .count();
        int total = o.results().size();
        boolean ok = Math.abs(share(n, total) - b.share()) <= b.tolerance() + 1e-9;
        String what = (b.absent() ? "body lacks \"" : "body has \"") + abbreviate(b.text()) + "\"";
        return new ScenarioReport.Check(
                what,
                fmt(b.share()) + (b.tolerance() > 0 ? " ± " + fmt(b.tolerance()) : ""),
                ratio(n, total),
                ok,
                ok ? "" : statusExplanation(o));
    }

    private static ScenarioReport.Check header(Scenario.HeaderContains h, StepObservation o) {
        int n = (int) o.results().stream()
                .filter(r -> {
                    String v = r.headers().get(h.name());
                    return v != null && v.contains(h.text());
                })
                .count();
        int total = o.results().size();
        boolean ok = Math.abs(share(n, total) - h.share()) <= h.tolerance() + 1e-9;
        Map<String, Integer> seen = new TreeMap<>();
        o.results().forEach(r -> seen.merge(String.valueOf(r.headers().get(h.name())), 1, Integer::sum));
        return new ScenarioReport.Check(
                "header " + h.name() + (h.text().isEmpty() ? "" : " has \"" + abbreviate(h.text()) + "\""),
                fmt(h.share()) + (h.tolerance() > 0 ? " ± " + fmt(h.tolerance()) : ""),
                ratio(n, total),
                ok,
                ok ? "" : "values of " + h.name() + ": " + describeCounts(seen, total));
    }

    private static ScenarioReport.Check received(Scenario.Received r, StepObservation o) {
        Set<String> ids = new HashSet<>();
        o.results().forEach(x -> ids.add(x.requestId()));
        Set<String> got = new HashSet<>();
        Map<String, Integer> authorities = new TreeMap<>();
        for (MeshAccess.LogEntry e : o.log()) {
            if ("inbound".equals(e.direction())
                    && ids.contains(e.requestId())
                    && r.service().equals(e.podLabels().get("app"))
                    && r.version().equals(e.podLabels().get("version"))) {
                authorities.merge(String.valueOf(e.authority()), 1, Integer::sum);
                if (r.authority().map(a -> a.equals(e.authority())).orElse(true)) {
                    got.add(e.requestId());
                }
            }
        }
        int total = ids.size();
        boolean ok = Math.abs(share(got.size(), total) - r.share()) <= r.tolerance() + 1e-9;
        return new ScenarioReport.Check(
                r.service() + " " + r.version() + " received"
                        + r.authority().map(a -> " as " + a).orElse(""),
                fmt(r.share()) + (r.tolerance() > 0 ? " ± " + fmt(r.tolerance()) : ""),
                ratio(got.size(), total),
                ok,
                ok
                        ? ""
                        : "requests seen at " + r.service() + " " + r.version() + " by authority: "
                                + (authorities.isEmpty() ? "none" : describeCounts(authorities, total)));
    }

    private static ScenarioReport.Check counter(Scenario.Counter c, StepObservation o) {
        long delta = o.counterDeltas().getOrDefault(StepObservation.counterKey(c.workload(), c.stat()), -1L);
        List<String> bounds = new ArrayList<>();
        c.min().ifPresent(m -> bounds.add(">= " + m));
        c.max().ifPresent(m -> bounds.add("<= " + m));
        Long expectedEq = c.equalsStatus()
                .map(s -> (long) statusCounts(o).getOrDefault(s, 0))
                .orElse(null);
        if (expectedEq != null) {
            bounds.add(
                    "= " + expectedEq + " (responses with " + c.equalsStatus().get() + ")");
        }
        boolean ok = delta >= 0
                && c.min().map(m -> delta >= m).orElse(true)
                && c.max().map(m -> delta <= m).orElse(true)
                && (expectedEq == null || delta == expectedEq);
        return new ScenarioReport.Check(
                c.workload() + " " + shortStat(c.stat()),
                String.join(", ", bounds),
                delta < 0 ? "no such counter" : Long.toString(delta),
                ok,
                delta < 0
                        ? c.workload() + "'s sidecar has no counter " + c.stat() + " (see its /stats)"
                        : ok ? "" : statusExplanation(o));
    }

    /** Which clusters the callers' sidecars sent the service's requests to, and by which route. */
    private static String routing(String service, StepObservation o) {
        Set<String> ids = new HashSet<>();
        o.results().forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> clusters = new TreeMap<>();
        for (MeshAccess.LogEntry e : o.log()) {
            if ("outbound".equals(e.direction())
                    && ids.contains(e.requestId())
                    && e.upstreamCluster() != null
                    && e.upstreamCluster().contains("|" + service + ".")) {
                String route = e.routeName() == null
                                || e.routeName().isEmpty()
                                || e.routeName().equals("-")
                        ? ""
                        : " (route " + e.routeName() + ")";
                clusters.merge(e.upstreamCluster() + route, 1, Integer::sum);
            }
        }
        if (clusters.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("sidecars sent them to ");
        clusters.forEach((c, n) -> sb.append(c).append(" x").append(n).append(", "));
        String sent = sb.substring(0, sb.length() - 2);
        // Which rule gave those clusters: the caller's routes for the service, from the config its proxy holds.
        for (MeshAccess.LogEntry e : o.log()) {
            if ("outbound".equals(e.direction())
                    && ids.contains(e.requestId())
                    && e.upstreamCluster() != null
                    && e.upstreamCluster().contains("|" + service + ".")) {
                String port = e.upstreamCluster().split("\\|")[1];
                java.util.Optional<String> routes = o.mesh() == null
                        ? java.util.Optional.empty()
                        : o.mesh().describeRouting(e.pod(), service + ":" + port);
                if (routes.isPresent()) {
                    return sent + "; " + e.pod().replaceAll("-[a-z0-9]+-[a-z0-9]+$", "") + "'s " + routes.get();
                }
                break;
            }
        }
        return sent;
    }

    private static Map<Integer, Integer> statusCounts(StepObservation o) {
        Map<Integer, Integer> counts = new TreeMap<>();
        o.results().forEach(r -> counts.merge(r.status(), 1, Integer::sum));
        return counts;
    }

    /** Status codes with the mechanism that answered (the source proxy's response flags). */
    static String statusExplanation(StepObservation o) {
        Map<String, Integer> all = new TreeMap<>();
        statusCounts(o).forEach((k, c) -> all.put(code(k), c));
        String firstError = o.results().stream()
                .filter(r -> r.error() != null)
                .map(TrafficDriver.Result::error)
                .findFirst()
                .orElse("");
        Set<String> ids = new HashSet<>();
        o.results().forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> denials = AccessLogQueries.authorizationDenials(ids, o.log());
        int blocked = 0;
        for (MeshAccess.LogEntry e : o.log()) {
            if (ids.contains(e.requestId()) && o.atSource(e) && "block_all".equals(e.routeName())) {
                blocked++;
            }
        }
        return "status codes: " + describeCounts(all, o.results().size()) + "; flags at the source: " + flagSummary(o)
                + (denials.isEmpty() ? "" : "; " + describeCounts(denials, ids.size()))
                + (blocked == 0
                        ? ""
                        : "; refused by the source's route block_all (outboundTrafficPolicy REGISTRY_ONLY: the host is"
                                + " not in the registry, or a Sidecar's egress hosts hide it from this workload; a"
                                + " ServiceEntry declares it, a Sidecar's egress.hosts lists it) " + blocked + "/"
                                + ids.size())
                + (firstError.isEmpty() ? "" : "; first error: " + firstError);
    }

    /**
     * A status as curl's {@code %{http_code}} prints it: {@code 000 (no response)} for a request whose connection was
     * refused or closed before an answer.
     */
    static String code(int status) {
        return status == TrafficDriver.NO_RESPONSE ? "000 (no response)" : Integer.toString(status);
    }

    /** Response flags at the source proxy, named by mechanism (UO overflow, FI fault abort, ...). */
    static String flagSummary(StepObservation o) {
        Set<String> ids = new HashSet<>();
        o.results().forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> flags = new TreeMap<>();
        for (MeshAccess.LogEntry e : o.log()) {
            if (ids.contains(e.requestId()) && o.atSource(e)) {
                flags.merge(ResponseFlag.describe(e.responseFlags()), 1, Integer::sum);
            }
        }
        return flags.isEmpty() ? "none logged" : describeCounts(flags, ids.size());
    }

    private static String shortStat(String stat) {
        int i = stat.lastIndexOf('.');
        return i < 0 ? stat : stat.substring(i + 1);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    static double share(int n, int total) {
        return total == 0 ? 0 : (double) n / total;
    }

    static String ratio(int n, int total) {
        return String.format(Locale.ROOT, "%.3f (%d/%d)", share(n, total), n, total);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2fs", d.toNanos() / 1e9);
    }

    static <K> String describeCounts(Map<K, Integer> counts, int total) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, n) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(n)
                .append('/')
                .append(total));
        return sb.toString();
    }

    static String fmt(double d) {
        String s = String.format(Locale.ROOT, "%.3f", d);
        return s.replaceAll("0+$", "").replaceAll("\\.$", ".0");
    }
}
