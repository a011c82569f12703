package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads one {@code expect} entry: an object with exactly one key naming its kind. */
final class ExpectationReader {

    static final Set<String> KINDS = Set.of(
            "accessLog",
            "versionShare",
            "statusShare",
            "status",
            "responseFlags",
            "latency",
            "bodyContains",
            "headerContains",
            "received",
            "counter",
            "pods",
            "redirect",
            "trace");

    private ExpectationReader() {}

    static Scenario.Expectation read(FieldReader r, JsonNode n, String path) {
        if (n == null
                || !n.isObject()
                || n.size() != 1
                || !KINDS.contains(n.fieldNames().next())) {
            r.problem(
                    path,
                    "must be one object with one of the keys "
                            + KINDS.stream().sorted().toList());
            return null;
        }
        String kind = n.fieldNames().next();
        JsonNode v = n.get(kind);
        String p = path + "." + kind;
        if (!r.isObject(v, p, "the fields of " + kind)) {
            return null;
        }
        return switch (kind) {
            case "versionShare" -> {
                r.only(v, p, Set.of("service", "shares", "tolerance"));
                yield new Scenario.VersionShare(
                        r.text(v, p, "service", true).orElse(""), r.shares(v, p), r.fraction(v, p, "tolerance", 0.05));
            }
            case "statusShare" -> {
                r.only(v, p, Set.of("shares", "tolerance"));
                Map<Integer, Double> shares = new LinkedHashMap<>();
                r.shares(v, p).forEach((k, val) -> {
                    if (k.matches("[1-5]\\d{2}|000|0")) {
                        shares.put(Integer.parseInt(k), val);
                    } else {
                        r.problem(
                                p + ".shares." + k,
                                "must be an HTTP status code such as 200 or 503, or \"000\" for no response (the"
                                        + " connection was refused or closed, as curl prints it)");
                    }
                });
                yield new Scenario.StatusShare(shares, r.fraction(v, p, "tolerance", 0.0));
            }
            case "status" -> status(r, v, p);
            case "responseFlags" -> {
                r.only(v, p, Set.of("status", "flag", "share"));
                String flag = r.text(v, p, "flag", true).orElse("");
                if (!flag.isEmpty() && ResponseFlag.of(flag).isEmpty()) {
                    r.problem(
                            p + ".flag",
                            "must be one of Envoy's response flags " + ResponseFlag.allCodes() + ", got " + flag);
                }
                yield new Scenario.ResponseFlags(
                        r.optionalInt(v, p, "status", 100, 599), flag, r.fraction(v, p, "share", 1.0));
            }
            case "latency" -> latency(r, v, p);
            case "bodyContains" -> {
                r.only(v, p, Set.of("text", "share", "tolerance", "absent"));
                yield new Scenario.BodyContains(
                        r.text(v, p, "text", true).orElse(""),
                        r.fraction(v, p, "share", 1.0),
                        r.fraction(v, p, "tolerance", 0.0),
                        v.path("absent").asBoolean(false));
            }
            case "headerContains" -> {
                r.only(v, p, Set.of("name", "text", "share", "tolerance"));
                yield new Scenario.HeaderContains(
                        r.text(v, p, "name", true).orElse("").toLowerCase(java.util.Locale.ROOT),
                        r.text(v, p, "text", false).orElse(""),
                        r.fraction(v, p, "share", 1.0),
                        r.fraction(v, p, "tolerance", 0.0));
            }
            case "received" -> {
                r.only(v, p, Set.of("service", "version", "authority", "share", "tolerance"));
                yield new Scenario.Received(
                        r.text(v, p, "service", true).orElse(""),
                        r.text(v, p, "version", true).orElse(""),
                        r.text(v, p, "authority", false),
                        r.fraction(v, p, "share", 1.0),
                        r.fraction(v, p, "tolerance", 0.0));
            }
            case "pods" -> pods(r, v, p);
            case "accessLog" -> {
                r.only(v, p, Set.of("proxy", "cluster", "code", "share"));
                yield new Scenario.AccessLogged(
                        r.text(v, p, "proxy", true).orElse(""),
                        r.text(v, p, "cluster", false),
                        r.optionalInt(v, p, "code", 100, 599),
                        r.fraction(v, p, "share", 1.0));
            }
            case "redirect" -> {
                r.only(v, p, Set.of("code", "location", "share"));
                int code = r.optionalInt(v, p, "code", 300, 399).orElse(Scenario.Redirect.ANY);
                yield new Scenario.Redirect(code, r.text(v, p, "location", false), r.fraction(v, p, "share", 1.0));
            }
            case "trace" -> TraceExpectations.read(r, v, p);
            default -> counter(r, v, p);
        };
    }

    private static Scenario.Expectation status(FieldReader r, JsonNode v, String p) {
        r.only(v, p, Set.of("code", "min", "max", "minShare", "maxShare"));
        int code = statusCode(r, v, p);
        Optional<Integer> min = r.optionalInt(v, p, "min", 0, 100_000);
        Optional<Integer> max = r.optionalInt(v, p, "max", 0, 100_000);
        Optional<Double> minShare = r.optionalFraction(v, p, "minShare");
        Optional<Double> maxShare = r.optionalFraction(v, p, "maxShare");
        if (min.isEmpty() && max.isEmpty() && minShare.isEmpty() && maxShare.isEmpty()) {
            r.problem(p, "needs at least one of min, max (counts), minShare, maxShare (fractions)");
        }
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            r.problem(p, "min " + min.get() + " is above max " + max.get() + ": no outcome can pass");
        }
        if (minShare.isPresent() && maxShare.isPresent() && minShare.get() > maxShare.get()) {
            r.problem(
                    p, "minShare " + minShare.get() + " is above maxShare " + maxShare.get() + ": no outcome can pass");
        }
        return new Scenario.Status(code, min, max, minShare, maxShare);
    }

    /**
     * An HTTP status, or {@code 000} (also {@code "000"}, {@code 0}) for a request that got no response: its connection
     * was refused, reset or closed before an answer, which curl prints as {@code 000}.
     */
    private static int statusCode(FieldReader r, JsonNode v, String p) {
        JsonNode c = v.get("code");
        if (c == null) {
            r.problem(p + ".code", "is required (an HTTP status such as 503, or \"000\" for no response)");
            return TrafficDriver.NO_RESPONSE;
        }
        if (c.isTextual() && c.asText().matches("0+")
                || c.isIntegralNumber() && c.asInt() == TrafficDriver.NO_RESPONSE) {
            return TrafficDriver.NO_RESPONSE;
        }
        if (c.isIntegralNumber() && c.asInt() >= 100 && c.asInt() <= 599) {
            return c.asInt();
        }
        r.problem(
                p + ".code",
                "must be an HTTP status between 100 and 599, or \"000\" for no response (the connection was refused"
                        + " or closed, as curl prints it), got " + c);
        return TrafficDriver.NO_RESPONSE;
    }

    private static Scenario.Expectation pods(FieldReader r, JsonNode v, String p) {
        r.only(v, p, Set.of("service", "count", "min", "max"));
        Optional<Integer> count = r.optionalInt(v, p, "count", 0, 10_000);
        Optional<Integer> min = r.optionalInt(v, p, "min", 0, 10_000);
        Optional<Integer> max = r.optionalInt(v, p, "max", 0, 10_000);
        if (count.isPresent() && (min.isPresent() || max.isPresent())) {
            r.problem(p, "takes count, or min and max, not both");
        } else if (count.isEmpty() && min.isEmpty() && max.isEmpty()) {
            r.problem(p, "needs count (e.g. 1: one pod served every request) or min/max (e.g. min: 2: spread)");
        }
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            r.problem(p, "min " + min.get() + " is above max " + max.get() + ": no outcome can pass");
        }
        return new Scenario.Pods(r.text(v, p, "service", true).orElse(""), count, min, max);
    }

    private static Scenario.Expectation latency(FieldReader r, JsonNode v, String p) {
        r.only(v, p, Set.of("percentile", "min", "max"));
        JsonNode pct = v.get("percentile");
        double percentile = 50;
        if (pct != null && (!pct.isNumber() || pct.asDouble() <= 0 || pct.asDouble() > 100)) {
            r.problem(p + ".percentile", "must be a number in (0, 100], e.g. 50 or 99, got " + pct);
        } else if (pct != null) {
            percentile = pct.asDouble();
        }
        Optional<Duration> min = r.duration(v, p, "min");
        Optional<Duration> max = r.duration(v, p, "max");
        if (min.isEmpty() && max.isEmpty()) {
            r.problem(p, "needs min or max, e.g. {percentile: 50, min: 5.5s, max: 7s}");
        }
        if (min.isPresent() && max.isPresent() && min.get().compareTo(max.get()) > 0) {
            r.problem(p, "min is above max: no outcome can pass");
        }
        return new Scenario.Latency(percentile, min, max);
    }

    private static Scenario.Expectation counter(FieldReader r, JsonNode v, String p) {
        r.only(v, p, Set.of("workload", "stat", "min", "max", "equalsStatus"));
        Optional<Long> min = Optional.ofNullable(v.get("min")).map(JsonNode::asLong);
        Optional<Long> max = Optional.ofNullable(v.get("max")).map(JsonNode::asLong);
        Optional<Integer> eq = r.optionalInt(v, p, "equalsStatus", 100, 599);
        if (min.isEmpty() && max.isEmpty() && eq.isEmpty()) {
            r.problem(
                    p,
                    "needs min, max or equalsStatus (the counter must equal the number of responses with that status)");
        }
        return new Scenario.Counter(
                r.text(v, p, "workload", true).orElse(""),
                r.text(v, p, "stat", true).orElse(""),
                min,
                max,
                eq);
    }
}
