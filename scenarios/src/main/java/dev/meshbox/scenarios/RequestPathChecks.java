package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Expectations on where requests went: how many pods served them, and the redirects they were answered with. */
final class RequestPathChecks {

    private RequestPathChecks() {}

    /** How many distinct pods of the service served the step's requests (from the inbound access logs). */
    static ScenarioReport.Check pods(Scenario.Pods p, StepObservation o) {
        Map<String, String> served = AccessLogQueries.podsServing(p.service(), o.log());
        Map<String, Integer> perPod = new TreeMap<>();
        int reached = 0;
        for (TrafficDriver.Result r : o.results()) {
            String pod = served.get(r.requestId());
            if (pod != null) {
                perPod.merge(pod, 1, Integer::sum);
                reached++;
            }
        }
        int n = perPod.size();
        boolean ok = reached > 0
                && p.count().map(c -> n == c).orElse(true)
                && p.min().map(m -> n >= m).orElse(true)
                && p.max().map(m -> n <= m).orElse(true);
        List<String> bounds = new ArrayList<>();
        p.count().ifPresent(c -> bounds.add("= " + c));
        p.min().ifPresent(m -> bounds.add(">= " + m));
        p.max().ifPresent(m -> bounds.add("<= " + m));
        String explanation = "";
        if (!ok) {
            explanation = reached == 0
                    ? "no request reached " + p.service() + "; " + Evaluator.statusExplanation(o)
                    : "requests per pod: " + Evaluator.describeCounts(perPod, reached);
        }
        return new ScenarioReport.Check(
                p.service() + " pods serving", String.join(", ", bounds), Integer.toString(n), ok, explanation);
    }

    /** The share of requests first answered by a redirect with the code (any 3xx if none given) and Location. */
    static ScenarioReport.Check redirect(Scenario.Redirect want, StepObservation o) {
        int n = 0;
        Map<String, Integer> seen = new TreeMap<>();
        for (TrafficDriver.Result r : o.results()) {
            TrafficDriver.Redirect first = r.firstAnswer();
            boolean code = want.code() == Scenario.Redirect.ANY
                    ? first.status() >= 300 && first.status() < 400
                    : first.status() == want.code();
            if (code && want.location().map(l -> l.equals(first.location())).orElse(true)) {
                n++;
            }
            seen.merge(first.status() + (first.location() == null ? "" : " to " + first.location()), 1, Integer::sum);
        }
        int total = o.results().size();
        boolean ok = total > 0 && Evaluator.share(n, total) >= want.share() - 1e-9;
        String what = "redirect " + (want.code() == Scenario.Redirect.ANY ? "3xx" : Integer.toString(want.code()))
                + want.location().map(l -> " to " + l).orElse("");
        return new ScenarioReport.Check(
                what,
                want.share() >= 1 ? "all" : ">= " + Evaluator.fmt(want.share()),
                Evaluator.ratio(n, total),
                ok,
                ok ? "" : "first answers: " + Evaluator.describeCounts(seen, total));
    }
}
