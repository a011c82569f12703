package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.ResponseFlag;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractDurationAssert;
import org.assertj.core.api.AbstractLongAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.data.Offset;

/**
 * Assertions on {@link Responses}. A failure says what was expected, what was observed, and everything the proxies
 * logged that explains it: the versions that served the requests, the status codes, the clusters and route the
 * sender chose, how its proxy routes the service, and the response flags in words.
 *
 * <p>The {@code all...} assertions fail on an empty set of responses (a {@code withStatus(503)} that matched none),
 * because a mesh test that checks nothing should not pass.
 */
public final class ResponsesAssert extends AbstractAssert<ResponsesAssert, Responses> {

    ResponsesAssert(Responses actual) {
        super(actual, ResponsesAssert.class);
    }

    // ---- traces (@MeshTest(tracing = true))

    /**
     * Every request's trace in Zipkin goes through {@code services} in that order ({@code ingress}, then app labels),
     * as {@link TracesAssert#allPassThrough}.
     */
    public ResponsesAssert passesThrough(String... services) {
        isNotNull();
        new TracesAssert(actual.traces()).allPassThrough(services);
        return this;
    }

    /**
     * Every request's trace has a CLIENT span of {@code from} calling {@code to} with those tags, e.g.
     * {@code hasTracedCall("reviews", "ratings", Map.of("response_flags", "FI"))}.
     */
    public ResponsesAssert hasTracedCall(String from, String to, java.util.Map<String, String> tags) {
        isNotNull();
        new TracesAssert(actual.traces()).eachHasCall(from, to, tags);
        return this;
    }

    // ---- where the requests went

    /** The share of requests served by {@code version} of the URL's service (see {@link Responses#service()}). */
    public ResponsesAssert hasVersionShare(String version, double expected, Offset<Double> tolerance) {
        isNotNull();
        if (actual.service().isEmpty()) {
            fail("Cannot tell whose versions to count: the requests were sent to a path and reached no service.\n"
                    + "Name the service: hasVersionShare(\"reviews\", \"" + version + "\", ...).\n" + actual.explain());
        }
        return versionShare(actual, version, expected, tolerance);
    }

    /** The share of requests served by {@code version} of {@code service}, e.g. reviews behind productpage. */
    public ResponsesAssert hasVersionShare(String service, String version, double expected, Offset<Double> tolerance) {
        isNotNull();
        return versionShare(actual.forService(service), version, expected, tolerance);
    }

    private ResponsesAssert versionShare(Responses r, String version, double expected, Offset<Double> tolerance) {
        int served = r.versions().getOrDefault(version, 0);
        double share = r.ratio(served);
        double distance = Math.abs(share - expected);
        boolean ok = tolerance.strict ? distance < tolerance.value : distance <= tolerance.value + 1e-9;
        if (!ok) {
            fail(String.format(
                    Locale.ROOT,
                    "Expected %s %s to serve %s ± %s of the requests, but it served %.3f (%d/%d).%n%s",
                    r.service(),
                    version,
                    number(expected),
                    number(tolerance.value),
                    share,
                    served,
                    r.count(),
                    r.explain()));
        }
        return myself;
    }

    /** Every request was served by {@code version} of the URL's service. */
    public ResponsesAssert allServedBy(String version) {
        isNotNull();
        return servedBy(actual, version);
    }

    /** Every request was served by {@code version} of {@code service}. */
    public ResponsesAssert allServedBy(String service, String version) {
        isNotNull();
        return servedBy(actual.forService(service), version);
    }

    private ResponsesAssert servedBy(Responses r, String version) {
        notEmpty(r);
        long other =
                r.asList().stream().filter(x -> !x.version().equals(version)).count();
        if (other > 0) {
            fail("Expected every request to be served by " + r.service() + " " + version + ", but " + other + " of "
                    + r.count() + " were not.\n" + r.explain());
        }
        return myself;
    }

    /** No request was served by {@code version} of the URL's service. */
    public ResponsesAssert noneServedBy(String version) {
        isNotNull();
        int served = actual.versions().getOrDefault(version, 0);
        if (served > 0) {
            fail("Expected no request to be served by " + actual.service() + " " + version + ", but " + served + " of "
                    + actual.count() + " were.\n" + actual.explain());
        }
        return myself;
    }

    // ---- status codes

    public ResponsesAssert allHaveStatus(int status) {
        return all(r -> r.status() == status, "to have status " + status);
    }

    public ResponsesAssert someHaveStatus(int status) {
        isNotNull();
        if (actual.statusCount(status) == 0) {
            fail("Expected at least one response with status " + status + ", but none had it.\n" + actual.explain());
        }
        return myself;
    }

    public ResponsesAssert noneHaveStatus(int status) {
        isNotNull();
        int n = actual.statusCount(status);
        if (n > 0) {
            fail("Expected no response with status " + status + ", but " + n + " of " + actual.count() + " had it.\n"
                    + actual.explain());
        }
        return myself;
    }

    public ResponsesAssert hasStatusCount(int status, int expected) {
        isNotNull();
        int n = actual.statusCount(status);
        if (n != expected) {
            fail("Expected " + expected + " responses with status " + status + ", but there were " + n + ".\n"
                    + actual.explain());
        }
        return myself;
    }

    public ResponsesAssert hasStatusShare(int status, double expected, Offset<Double> tolerance) {
        isNotNull();
        int n = actual.statusCount(status);
        double share = actual.ratio(n);
        double distance = Math.abs(share - expected);
        if (tolerance.strict ? distance >= tolerance.value : distance > tolerance.value + 1e-9) {
            fail(String.format(
                    Locale.ROOT,
                    "Expected status %d on %s ± %s of the responses, but it was %.3f (%d/%d).%n%s",
                    status,
                    number(expected),
                    number(tolerance.value),
                    share,
                    n,
                    actual.count(),
                    actual.explain()));
        }
        return myself;
    }

    // ---- response flags: which mechanism answered

    /** Every response carries {@code flag} (UO, FI, UT, URX, NC, UH, NR, ...) in the sending proxy's access log. */
    public ResponsesAssert allHaveResponseFlag(String flag) {
        String described = describeFlag(flag);
        return all(
                r -> ResponseFlag.has(r.responseFlags(), flag),
                "to carry response flag " + described + " at " + actual.sourceName());
    }

    public ResponsesAssert noneHaveResponseFlag(String flag) {
        isNotNull();
        String described = describeFlag(flag);
        long n = actual.asList().stream()
                .filter(r -> ResponseFlag.has(r.responseFlags(), flag))
                .count();
        if (n > 0) {
            fail("Expected no response with flag " + described + ", but " + n + " of " + actual.count() + " had it.\n"
                    + actual.explain());
        }
        return myself;
    }

    /** One flag in words; a code that is not a response flag (a typo) is a mistake in the test, said at once. */
    private static String describeFlag(String flag) {
        if (ResponseFlag.parse(flag).size() != 1) {
            throw new IllegalArgumentException("response flag: expected one code such as UO, got \"" + flag
                    + "\"; Envoy's flags: " + ResponseFlag.allCodes());
        }
        return ResponseFlag.describe(flag);
    }

    // ---- authorization

    /** Every request was refused by an AuthorizationPolicy: 403 with Envoy's body {@code RBAC: access denied}. */
    public ResponsesAssert allDenied() {
        return all(ResponsesAssert::deniedByRbac, "to be denied by authorization (403 \"RBAC: access denied\")");
    }

    /**
     * Every request got no HTTP response: its connection was refused, reset or closed before an answer, as a STRICT
     * sidecar closes a plaintext one (curl prints {@code 000} and exits 56 in Istio's tasks).
     */
    public ResponsesAssert allConnectionsClosed() {
        return all(
                r -> r.status() == dev.meshbox.scenarios.TrafficDriver.NO_RESPONSE,
                "to get no response (000: the connection refused or closed before an answer)");
    }

    /** No request was refused by an AuthorizationPolicy (whatever else answered). */
    public ResponsesAssert allAllowed() {
        return all(r -> !deniedByRbac(r), "to be allowed by authorization (not 403 \"RBAC: access denied\")");
    }

    private static boolean deniedByRbac(Responses.Response r) {
        return r.status() == 403 && r.body() != null && r.body().startsWith("RBAC: access denied");
    }

    // ---- bodies

    public ResponsesAssert allBodiesContain(String text) {
        return all(r -> r.body() != null && r.body().contains(text), "to have a body containing \"" + text + "\"");
    }

    public ResponsesAssert noBodyContains(String text) {
        isNotNull();
        long n = actual.asList().stream()
                .filter(r -> r.body() != null && r.body().contains(text))
                .count();
        if (n > 0) {
            fail("Expected no body to contain \"" + text + "\", but " + n + " of " + actual.count() + " did.\n"
                    + actual.explain());
        }
        return myself;
    }

    public ResponsesAssert hasCount(int expected) {
        isNotNull();
        if (actual.count() != expected) {
            fail("Expected " + expected + " responses, but there were " + actual.count() + ".\n" + actual.explain());
        }
        return myself;
    }

    // ---- navigation

    /** Continues on the responses with this status: {@code withStatus(503).allHaveResponseFlag("UO")}. */
    public ResponsesAssert withStatus(int status) {
        isNotNull();
        return carryDescription(new ResponsesAssert(actual.withStatus(status)));
    }

    /** Continues counting the versions of another service the requests passed through. */
    public ResponsesAssert forService(String service) {
        isNotNull();
        return carryDescription(new ResponsesAssert(actual.forService(service)));
    }

    /** The median latency of the responses, as an AssertJ duration assertion: {@code p50().isLessThan(...)}. */
    public AbstractDurationAssert<?> p50() {
        return latencyPercentile(50);
    }

    public AbstractDurationAssert<?> p90() {
        return latencyPercentile(90);
    }

    public AbstractDurationAssert<?> p99() {
        return latencyPercentile(99);
    }

    /** The latency at a percentile (0 to 100) of the requests that got a response. */
    public AbstractDurationAssert<?> latencyPercentile(double percentile) {
        isNotNull();
        if (actual.asList().stream().noneMatch(r -> r.status() > 0)) {
            fail("Expected responses to measure latency on, but none came back.\n" + actual.explain());
        }
        Duration d = actual.percentile(percentile);
        return Assertions.assertThat(d).as("p%s latency of %s%n", number(percentile), actual.explain());
    }

    /**
     * How much a counter of the sender's proxy rose during the send, as an AssertJ long assertion: a full name from
     * {@link Mesh#stats} or its last part summed over the service's clusters, e.g.
     * {@code counter("upstream_rq_pending_overflow").isEqualTo(responses.statusCount(503))}.
     */
    public AbstractLongAssert<?> counter(String stat) {
        isNotNull();
        long increase = 0;
        try {
            increase = actual.counterIncrease(stat);
        } catch (IllegalArgumentException e) {
            fail(e.getMessage() + "\n" + actual.explain());
        }
        return Assertions.assertThat(increase)
                .as(
                        "increase of %s at %s during %s%n",
                        String.join(" + ", actual.counterNames(stat)), actual.sourceName(), actual.explain());
    }

    // ---- helpers

    private ResponsesAssert all(Predicate<Responses.Response> condition, String what) {
        isNotNull();
        notEmpty(actual);
        long failing = actual.asList().stream().filter(condition.negate()).count();
        if (failing > 0) {
            fail("Expected every response " + what + ", but " + failing + " of " + actual.count() + " did not.\n"
                    + actual.explain());
        }
        return myself;
    }

    private void notEmpty(Responses r) {
        if (r.isEmpty()) {
            fail("Expected responses to check, but there were none: " + r.summary());
        }
    }

    private ResponsesAssert carryDescription(ResponsesAssert next) {
        String text = descriptionText();
        return text == null || text.isEmpty() ? next : next.as("%s", text);
    }

    /** The message is passed as an argument, never as a format: explanations hold '%' signs and braces. */
    private void fail(String message) {
        failWithMessage("%s", message);
    }

    /** {@code 0.1}, {@code 0.03}, {@code 99}: as the test wrote the number. */
    private static String number(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
