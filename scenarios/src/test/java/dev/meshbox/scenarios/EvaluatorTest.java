package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every expectation kind checked against a step's observations directly: the responses the driver got and the entries
 * the proxies logged, as a user's scenario file would state them, with the row the report prints.
 */
class EvaluatorTest {

    private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    private static final Map<String, String> PRODUCTPAGE = Map.of("app", "productpage", "version", "v1");
    private static final Map<String, String> GATEWAY = Map.of("istio", "ingressgateway", "app", "istio-ingressgateway");

    /** What one request did, as the driver and the proxies saw it. */
    private record Sent(
            int status, String version, String flags, long millis, String body, Map<String, String> headers) {
        static Sent served(String version) {
            return new Sent(200, version, "-", 10, "ok", Map.of());
        }
    }

    /** Requests from productpage's sidecar to reviews, {@code r-0} to {@code r-(n-1)}. */
    private static StepObservation fromProductpage(List<Sent> sent) {
        return observe("productpage", sent, Map.of());
    }

    private static StepObservation observe(String from, List<Sent> sent, Map<String, Long> counters) {
        List<TrafficDriver.Result> results = new ArrayList<>();
        List<MeshAccess.LogEntry> log = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            String id = "r-" + i;
            results.add(new TrafficDriver.Result(
                    id,
                    s.status(),
                    Duration.ofMillis(s.millis()).toNanos(),
                    s.status() == 0 ? "connection refused" : null,
                    s.headers(),
                    s.body()));
            String cluster = "v2".equals(s.version()) ? REVIEWS_V2 : REVIEWS_V1;
            Map<String, String> source = from.equals("ingress") ? GATEWAY : PRODUCTPAGE;
            log.add(new MeshAccess.LogEntry(
                    from.equals("ingress") ? "istio-ingressgateway-1" : "productpage-v1-1",
                    source,
                    "outbound",
                    id,
                    s.status(),
                    s.flags(),
                    cluster,
                    "",
                    s.millis(),
                    "reviews:9080"));
            if (s.version() != null) {
                log.add(AccessLogQueriesTest.inbound(id, "reviews", s.version(), s.status(), "reviews:9080"));
            }
        }
        return new StepObservation(from, results, log, counters, null);
    }

    private static List<Sent> times(int n, Sent s) {
        return new ArrayList<>(java.util.Collections.nCopies(n, s));
    }

    private static List<Sent> ninetyTen() {
        List<Sent> sent = times(9, Sent.served("v1"));
        sent.add(Sent.served("v2"));
        return sent;
    }

    private static ScenarioReport.Check only(Scenario.Expectation e, StepObservation o) {
        List<ScenarioReport.Check> checks = Evaluator.evaluate(List.of(e), o);
        assertThat(checks).hasSize(1);
        return checks.get(0);
    }

    @Test
    void versionShareChecksEachVersionWithinTheTolerance() {
        List<ScenarioReport.Check> checks = Evaluator.evaluate(
                List.of(new Scenario.VersionShare("reviews", Map.of("v1", 0.9, "v2", 0.1), 0.05)),
                fromProductpage(ninetyTen()));

        assertThat(checks)
                .extracting(ScenarioReport.Check::what, ScenarioReport.Check::observed, ScenarioReport.Check::passed)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("reviews v1 share", "0.900 (9/10)", true),
                        org.assertj.core.groups.Tuple.tuple("reviews v2 share", "0.100 (1/10)", true));
        assertThat(checks).allSatisfy(c -> assertThat(c.expected()).contains(" ± 0.05"));
    }

    @Test
    void aVersionShareFailureSaysWhoServedWhereTheSidecarsSentThemAndWhatNoneMeans() {
        List<Sent> sent = ninetyTen();
        sent.set(0, new Sent(503, null, "UO", 1, "", Map.of()));

        ScenarioReport.Check check =
                only(new Scenario.VersionShare("reviews", Map.of("v2", 0.5), 0.05), fromProductpage(sent));

        assertThat(check.passed()).isFalse();
        assertThat(check.explanation())
                .contains("served by reviews: none 1/10, v1 8/10, v2 1/10")
                .contains("sidecars sent them to " + REVIEWS_V1 + " x9, " + REVIEWS_V2 + " x1")
                .contains("\"none\" means the request never reached reviews")
                .contains("UO (overflow: the DestinationRule's connectionPool limits were full");
    }

    @Test
    void statusShareComparesEachCodesShare() {
        List<Sent> sent = times(8, Sent.served("v1"));
        sent.addAll(times(2, new Sent(503, null, "UO", 1, "", Map.of())));

        assertThat(only(new Scenario.StatusShare(Map.of(503, 0.2), 0.0), fromProductpage(sent))
                        .passed())
                .isTrue();
        ScenarioReport.Check failed = only(new Scenario.StatusShare(Map.of(200, 1.0), 0.0), fromProductpage(sent));
        assertThat(failed.passed()).isFalse();
        assertThat(failed.observed()).isEqualTo("0.800 (8/10)");
        assertThat(failed.explanation())
                .isEqualTo("status codes: 200 8/10, 503 2/10; flags at the source: - (no flag) 8/10, "
                        + "UO (overflow: the DestinationRule's connectionPool limits were full, the circuit breaker "
                        + "refused it) 2/10");
    }

    @Test
    void aStatusFailureCausedByAnAuthorizationPolicyNamesTheRuleThatRefused() {
        List<Sent> sent = times(8, Sent.served("v1"));
        sent.addAll(times(2, new Sent(403, "v1", "-", 1, "RBAC: access denied", Map.of())));
        StepObservation o = fromProductpage(sent);
        List<MeshAccess.LogEntry> log = new ArrayList<>(o.log());
        for (String id : List.of("r-8", "r-9")) {
            log.add(new MeshAccess.LogEntry(
                    "reviews-v1-1",
                    Map.of("app", "reviews", "version", "v1"),
                    "inbound",
                    id,
                    403,
                    "-",
                    "",
                    "",
                    1,
                    "reviews:9080",
                    "rbac_access_denied_matched_policy[ns[default]-policy[deny-post]-rule[0]]"));
        }
        StepObservation denied = new StepObservation("productpage", o.results(), log, Map.of(), null);

        ScenarioReport.Check failed = only(new Scenario.StatusShare(Map.of(200, 1.0), 0.0), denied);

        assertThat(failed.passed()).isFalse();
        assertThat(failed.explanation())
                .contains("RBAC: access denied at reviews's sidecar: denied by ns[default]-policy[deny-post]-rule[0]"
                        + " (caller without a mutual TLS identity: plaintext) 2/10");
    }

    @Test
    void a502FromRegistryOnlysBlockAllSaysTheHostIsNotInTheRegistry() {
        List<TrafficDriver.Result> results = new ArrayList<>();
        List<MeshAccess.LogEntry> log = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            results.add(new TrafficDriver.Result("r-" + i, 502, 1_000_000, null, Map.of(), ""));
            log.add(new MeshAccess.LogEntry(
                    "sleep-1",
                    Map.of("app", "sleep"),
                    "outbound",
                    "r-" + i,
                    502,
                    "-",
                    "",
                    "block_all",
                    1,
                    "httpbin.org"));
        }
        StepObservation o = new StepObservation("sleep", results, log, Map.of(), null);

        ScenarioReport.Check failed = only(new Scenario.StatusShare(Map.of(200, 1.0), 0.0), o);

        assertThat(failed.explanation())
                .contains("refused by the source's route block_all (outboundTrafficPolicy REGISTRY_ONLY: the host is"
                        + " not in the registry, or a Sidecar's egress hosts hide it from this workload; a ServiceEntry"
                        + " declares it, a Sidecar's egress.hosts lists it) 2/2");
    }

    @Test
    void statusBoundsCountsAndShares() {
        List<Sent> sent = times(7, Sent.served("v1"));
        sent.addAll(times(3, new Sent(503, null, "UO", 1, "", Map.of())));
        StepObservation o = fromProductpage(sent);

        ScenarioReport.Check within =
                only(new Scenario.Status(503, Optional.of(1), Optional.of(5), Optional.of(0.1), Optional.of(0.5)), o);
        ScenarioReport.Check tooMany =
                only(new Scenario.Status(503, Optional.empty(), Optional.of(2), Optional.empty(), Optional.empty()), o);

        assertThat(within.passed()).isTrue();
        assertThat(within.expected()).isEqualTo(">= 1, <= 5, >= 0.1 share, <= 0.5 share");
        assertThat(tooMany.passed()).isFalse();
        assertThat(tooMany.observed()).isEqualTo("0.300 (3/10)");
    }

    @Test
    void aFlagIsCheckedOnTheResponsesWithItsStatusAtTheSourceProxy() {
        List<Sent> sent = times(6, Sent.served("v1"));
        sent.addAll(times(3, new Sent(503, null, "UO", 1, "", Map.of())));
        sent.add(new Sent(503, null, "UF,URX", 1, "", Map.of()));
        StepObservation o = fromProductpage(sent);

        ScenarioReport.Check uo = only(new Scenario.ResponseFlags(Optional.of(503), "UO", 0.7), o);
        ScenarioReport.Check all = only(new Scenario.ResponseFlags(Optional.of(503), "UO", 1.0), o);
        ScenarioReport.Check urx = only(new Scenario.ResponseFlags(Optional.empty(), "URX", 0.1), o);

        assertThat(uo.passed()).isTrue();
        assertThat(uo.what()).isEqualTo("flag UO on 503s");
        assertThat(uo.observed()).isEqualTo("0.750 (3/4)");
        assertThat(all.passed()).isFalse();
        assertThat(all.expected()).isEqualTo("all");
        assertThat(all.explanation())
                .startsWith("flags seen at the source proxy: ")
                .contains("UF,URX 1/4")
                .contains("UO 3/4");
        assertThat(urx.passed()).as("URX among UF,URX, over every response").isTrue();
    }

    @Test
    void anAccessLogExpectationReadsTheNamedProxysLineOfEachRequest() {
        StepObservation o = fromProductpage(ninetyTen());

        ScenarioReport.Check sidecar =
                only(new Scenario.AccessLogged("productpage", Optional.of(REVIEWS_V1), Optional.of(200), 0.9), o);
        ScenarioReport.Check all =
                only(new Scenario.AccessLogged("productpage", Optional.of(REVIEWS_V1), Optional.empty(), 1.0), o);
        ScenarioReport.Check inbound =
                only(new Scenario.AccessLogged("reviews", Optional.empty(), Optional.of(200), 1.0), o);
        ScenarioReport.Check nobody =
                only(new Scenario.AccessLogged("istio-egressgateway", Optional.empty(), Optional.empty(), 1.0), o);

        assertThat(sidecar.passed()).isTrue();
        assertThat(sidecar.what()).isEqualTo("productpage logged 200 " + REVIEWS_V1);
        assertThat(sidecar.observed()).isEqualTo("0.900 (9/10)");
        assertThat(all.passed()).isFalse();
        assertThat(all.explanation()).startsWith("productpage's access log: ").contains("200 " + REVIEWS_V2 + " 1/10");
        assertThat(inbound.passed()).isTrue();
        assertThat(nobody.passed()).isFalse();
        assertThat(nobody.explanation()).contains("not logged 10/10");
    }

    @Test
    void aFlagWithNoResponseToCheckFailsSayingSo() {
        ScenarioReport.Check check = only(
                new Scenario.ResponseFlags(Optional.of(503), "UO", 1.0), fromProductpage(times(4, Sent.served("v1"))));

        assertThat(check.passed()).isFalse();
        assertThat(check.explanation()).isEqualTo("no response with status 503 to check");
    }

    @Test
    void aFlagLoggedByAnotherProxyThanTheSourceDoesNotCount() {
        // Sent through the ingress, but the entries were logged by productpage's sidecar: not the source.
        StepObservation o = fromProductpage(times(2, new Sent(503, null, "UO", 1, "", Map.of())));
        StepObservation fromIngress = new StepObservation("ingress", o.results(), o.log(), Map.of(), null);

        assertThat(only(new Scenario.ResponseFlags(Optional.empty(), "UO", 1.0), fromIngress)
                        .explanation())
                .isEqualTo("no response to check");
    }

    @Test
    void latencyTakesTheNearestRankPercentileOfAnsweredRequests() {
        List<Sent> sent = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            sent.add(new Sent(200, "v1", "-", i * 100L, "ok", Map.of()));
        }
        sent.add(new Sent(0, null, "-", 0, "", Map.of()));
        StepObservation o = fromProductpage(sent);

        ScenarioReport.Check p90 =
                only(new Scenario.Latency(90, Optional.empty(), Optional.of(Duration.ofMillis(900))), o);
        ScenarioReport.Check p50 =
                only(new Scenario.Latency(50, Optional.of(Duration.ofMillis(600)), Optional.empty()), o);

        assertThat(p90.passed()).isTrue();
        assertThat(p90.observed()).isEqualTo("0.90s");
        assertThat(p90.what()).isEqualTo("latency p90");
        assertThat(p50.passed()).isFalse();
        assertThat(p50.observed()).isEqualTo("0.50s");
        assertThat(p50.explanation()).startsWith("min 0.10s, max 1.00s; flags at the source: ");
    }

    @Test
    void latencyWithoutAnyAnswerFails() {
        ScenarioReport.Check check = only(
                new Scenario.Latency(50, Optional.empty(), Optional.of(Duration.ofSeconds(1))),
                fromProductpage(times(2, new Sent(0, null, "-", 0, "", Map.of()))));

        assertThat(check.passed()).isFalse();
        assertThat(check.observed()).isEqualTo("no responses");
        assertThat(check.explanation()).contains("000 (no response) 2/2").contains("first error: connection refused");
    }

    @Test
    void bodyTextIsCheckedPresentOrAbsent() {
        List<Sent> sent = times(3, new Sent(200, "v1", "-", 1, "Reviews served by: reviews-v1", Map.of()));
        sent.add(new Sent(200, "v1", "-", 1, "Sorry, product reviews are currently unavailable", Map.of()));
        StepObservation o = fromProductpage(sent);

        ScenarioReport.Check has = only(new Scenario.BodyContains("Reviews served by", 0.75, 0, false), o);
        ScenarioReport.Check lacks = only(new Scenario.BodyContains("Sorry", 1.0, 0, true), o);

        assertThat(has.passed()).isTrue();
        assertThat(has.what()).isEqualTo("body has \"Reviews served by\"");
        assertThat(lacks.passed()).isFalse();
        assertThat(lacks.what()).isEqualTo("body lacks \"Sorry\"");
        assertThat(lacks.observed()).isEqualTo("0.750 (3/4)");
    }

    @Test
    void aHeaderIsCheckedForItsTextAndAFailureListsTheValuesSeen() {
        List<Sent> sent = times(3, new Sent(200, "v1", "-", 1, "", Map.of("x-echo-version", "v1")));
        sent.add(new Sent(200, "v2", "-", 1, "", Map.of("x-echo-version", "v2")));
        StepObservation o = fromProductpage(sent);

        ScenarioReport.Check v1 = only(new Scenario.HeaderContains("x-echo-version", "v1", 0.75, 0), o);
        ScenarioReport.Check everyone = only(new Scenario.HeaderContains("x-echo-version", "v2", 1.0, 0.1), o);

        assertThat(v1.passed()).isTrue();
        assertThat(everyone.passed()).isFalse();
        assertThat(everyone.expected()).isEqualTo("1.0 ± 0.1");
        assertThat(everyone.explanation()).isEqualTo("values of x-echo-version: v1 3/4, v2 1/4");
    }

    @Test
    void receivedCountsRequestsThatReachedAVersionWithTheAuthorityAMirrorGives() {
        StepObservation o = fromProductpage(times(4, Sent.served("v1")));
        List<MeshAccess.LogEntry> log = new ArrayList<>(o.log());
        for (int i = 0; i < 4; i++) {
            log.add(AccessLogQueriesTest.inbound("r-" + i, "reviews", "v2", 200, "reviews-shadow:9080"));
        }
        StepObservation mirrored = new StepObservation("productpage", o.results(), log, Map.of(), null);

        ScenarioReport.Check copies =
                only(new Scenario.Received("reviews", "v2", Optional.of("reviews-shadow:9080"), 1.0, 0), mirrored);
        ScenarioReport.Check plain =
                only(new Scenario.Received("reviews", "v2", Optional.of("reviews:9080"), 1.0, 0), mirrored);

        assertThat(copies.passed()).isTrue();
        assertThat(copies.what()).isEqualTo("reviews v2 received as reviews-shadow:9080");
        assertThat(plain.passed()).isFalse();
        assertThat(plain.explanation()).isEqualTo("requests seen at reviews v2 by authority: reviews-shadow:9080 4/4");
    }

    @Test
    void aCounterIsBoundedOrEqualToTheResponsesWithAStatus() {
        List<Sent> sent = times(7, Sent.served("v1"));
        sent.addAll(times(3, new Sent(503, null, "UO", 1, "", Map.of())));
        String stat = "cluster." + REVIEWS_V1 + ".upstream_rq_pending_overflow";
        StepObservation o = observe("productpage", sent, Map.of(StepObservation.counterKey("productpage", stat), 3L));

        ScenarioReport.Check equal =
                only(new Scenario.Counter("productpage", stat, Optional.of(1L), Optional.empty(), Optional.of(503)), o);
        ScenarioReport.Check bounded =
                only(new Scenario.Counter("productpage", stat, Optional.empty(), Optional.of(2L), Optional.empty()), o);
        ScenarioReport.Check missing = only(
                new Scenario.Counter(
                        "productpage",
                        "cluster.x.upstream_rq_total",
                        Optional.of(0L),
                        Optional.empty(),
                        Optional.empty()),
                o);

        assertThat(equal.passed()).isTrue();
        assertThat(equal.what()).isEqualTo("productpage upstream_rq_pending_overflow");
        assertThat(equal.expected()).isEqualTo(">= 1, = 3 (responses with 503)");
        assertThat(bounded.passed()).isFalse();
        assertThat(bounded.observed()).isEqualTo("3");
        assertThat(missing.passed()).isFalse();
        assertThat(missing.observed()).isEqualTo("no such counter");
        assertThat(missing.explanation())
                .isEqualTo("productpage's sidecar has no counter cluster.x.upstream_rq_total (see its /stats)");
    }

    @Test
    void eachExpectationGivesItsRowsInTheOrderWritten() {
        List<ScenarioReport.Check> checks = Evaluator.evaluate(
                List.of(
                        new Scenario.StatusShare(Map.of(200, 1.0), 0),
                        new Scenario.BodyContains("ok", 1.0, 0, false),
                        new Scenario.VersionShare("reviews", Map.of("v1", 1.0), 0)),
                fromProductpage(times(3, Sent.served("v1"))));

        assertThat(checks)
                .extracting(ScenarioReport.Check::what)
                .containsExactly("status 200 share", "body has \"ok\"", "reviews v1 share");
        assertThat(checks).allMatch(ScenarioReport.Check::passed);
    }

    @Test
    void podsCountsTheDistinctPodsThatServedTheStep() {
        StepObservation onePod = fromProductpage(times(4, Sent.served("v1")));
        StepObservation twoPods = fromProductpage(ninetyTen());

        ScenarioReport.Check sticky =
                only(new Scenario.Pods("reviews", Optional.of(1), Optional.empty(), Optional.empty()), onePod);
        ScenarioReport.Check notSticky =
                only(new Scenario.Pods("reviews", Optional.of(1), Optional.empty(), Optional.empty()), twoPods);
        ScenarioReport.Check spread =
                only(new Scenario.Pods("reviews", Optional.empty(), Optional.of(2), Optional.empty()), twoPods);
        ScenarioReport.Check nobody =
                only(new Scenario.Pods("ratings", Optional.empty(), Optional.of(2), Optional.empty()), twoPods);

        assertThat(sticky.passed()).isTrue();
        assertThat(sticky.what()).isEqualTo("reviews pods serving");
        assertThat(sticky.expected()).isEqualTo("= 1");
        assertThat(sticky.observed()).isEqualTo("1");
        assertThat(notSticky.passed()).isFalse();
        assertThat(notSticky.explanation()).isEqualTo("requests per pod: reviews-v1-pod 9/10, reviews-v2-pod 1/10");
        assertThat(spread.passed()).isTrue();
        assertThat(spread.expected()).isEqualTo(">= 2");
        assertThat(nobody.passed()).isFalse();
        assertThat(nobody.explanation()).startsWith("no request reached ratings; status codes: 200 10/10");
    }

    @Test
    void redirectChecksTheFirstAnswerWhetherOrNotItWasFollowed() {
        List<TrafficDriver.Result> results = List.of(
                new TrafficDriver.Result("r-0", 301, 1, null, Map.of("location", "http://shop:8080/cart"), ""),
                new TrafficDriver.Result(
                        "r-1",
                        200,
                        1,
                        null,
                        Map.of(),
                        "cart",
                        List.of(new TrafficDriver.Redirect(301, "http://shop:8080/cart"))),
                new TrafficDriver.Result("r-2", 200, 1, null, Map.of(), "home"));
        StepObservation o = new StepObservation("sleep", results, List.of(), Map.of(), null);

        ScenarioReport.Check exact = only(new Scenario.Redirect(301, Optional.of("http://shop:8080/cart"), 0.6), o);
        ScenarioReport.Check any = only(new Scenario.Redirect(Scenario.Redirect.ANY, Optional.empty(), 1.0), o);

        assertThat(exact.passed()).isTrue();
        assertThat(exact.what()).isEqualTo("redirect 301 to http://shop:8080/cart");
        assertThat(exact.observed()).isEqualTo("0.667 (2/3)");
        assertThat(any.passed()).isFalse();
        assertThat(any.what()).isEqualTo("redirect 3xx");
        assertThat(any.explanation()).isEqualTo("first answers: 200 1/3, 301 to http://shop:8080/cart 2/3");
    }
}
