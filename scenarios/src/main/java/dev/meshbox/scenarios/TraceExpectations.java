package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a {@code trace} expectation: {@code {through: [ingress, productpage, reviews, ratings]}},
 * {@code {span: {from: reviews, to: ratings, tags: {response_flags: FI}}}}, {@code {span: {...}, spans: 1}}, each
 * with an optional {@code share}.
 */
final class TraceExpectations {

    static final Set<String> KINDS = Set.of("CLIENT", "SERVER");

    private TraceExpectations() {}

    static Scenario.Expectation read(FieldReader r, JsonNode v, String p) {
        r.only(v, p, Set.of("through", "span", "spans", "share"));
        List<String> through = new ArrayList<>();
        JsonNode t = v.get("through");
        if (t != null) {
            if (!t.isArray() || t.isEmpty()) {
                r.problem(p + ".through", "must be a non-empty list of services, e.g. [ingress, productpage, reviews]");
            } else {
                for (int i = 0; i < t.size(); i++) {
                    if (t.get(i).isTextual() && !t.get(i).asText().isBlank()) {
                        through.add(t.get(i).asText());
                    } else {
                        r.problem(
                                p + ".through[" + i + "]",
                                "must be a service: an app label (productpage), APP.NAMESPACE, ingress or a"
                                        + " gateway's name, got " + t.get(i));
                    }
                }
            }
        }
        Optional<Scenario.SpanMatch> span = Optional.empty();
        JsonNode s = v.get("span");
        if (s != null) {
            span = spanMatch(r, s, p + ".span");
        }
        Optional<Integer> spans = r.optionalInt(v, p, "spans", 0, 1000);
        if (spans.isPresent() && s == null) {
            r.problem(
                    p + ".spans",
                    "counts the spans that match span: give span too, e.g. {span: {from: reviews,"
                            + " to: ratings}, spans: 1}");
        }
        if (t == null && s == null) {
            r.problem(p, "needs through (services in order) or span (a span's proxy, callee and tags)");
        }
        return new Scenario.Trace(List.copyOf(through), span, spans, r.fraction(v, p, "share", 1.0));
    }

    private static Optional<Scenario.SpanMatch> spanMatch(FieldReader r, JsonNode s, String p) {
        if (!r.isObject(
                s, p, "from, to, kind and tags, e.g. {from: reviews, to: ratings, tags: {response_flags: FI}}")) {
            return Optional.empty();
        }
        r.only(s, p, Set.of("from", "to", "kind", "tags"));
        String from = r.text(s, p, "from", true).orElse("");
        Optional<String> to = r.text(s, p, "to", false);
        Optional<String> kind = r.text(s, p, "kind", false).map(k -> k.toUpperCase(Locale.ROOT));
        if (kind.isPresent() && !KINDS.contains(kind.get())) {
            r.problem(
                    p + ".kind",
                    "must be CLIENT (a proxy's outbound side, a gateway) or SERVER (a sidecar's inbound"
                            + " side), got " + kind.get());
        }
        if (to.isPresent() && kind.isEmpty()) {
            kind = Optional.of("CLIENT");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode tg = s.get("tags");
        if (tg != null) {
            if (!tg.isObject() || tg.isEmpty()) {
                r.problem(
                        p + ".tags",
                        "must be an object of span tags, e.g. {response_flags: FI, http.status_code: 500}");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = tg.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                        tags.put(e.getKey(), e.getValue().asText());
                    } else {
                        r.problem(p + ".tags." + e.getKey(), "must be a value (Zipkin tags are strings)");
                    }
                }
            }
        }
        return Optional.of(new Scenario.SpanMatch(from, to, kind, Map.copyOf(tags)));
    }

    /** Problems for the trace expectations of a scenario that does not run Zipkin. */
    static void requireTracing(FieldReader r, List<Scenario.Step> steps) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) == null) {
                continue;
            }
            List<Scenario.Expectation> ex = steps.get(i).expect();
            for (int j = 0; j < ex.size(); j++) {
                if (ex.get(j) instanceof Scenario.Trace) {
                    r.problem(
                            "steps[" + i + "].expect[" + j + "].trace",
                            "reads traces from Zipkin: set tracing: true at the top of the scenario");
                }
            }
        }
    }
}
