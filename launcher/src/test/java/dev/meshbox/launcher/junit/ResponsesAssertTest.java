package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.TrafficDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The assertions and their messages on hand-made responses and access logs: no mesh, milliseconds. */
class ResponsesAssertTest {

    private static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    private static final Request REVIEWS = get("http://reviews:9080/reviews/0").from("productpage");

    /** One request: its result, the caller's outbound entry and, when it got through, the serving pod's inbound entry. */
    private record Sent(int status, String version, String flags, String cluster, long millis) {}

    private static Responses responses(
            Request request, Map<String, Long> before, Map<String, Long> after, Sent... sent) {
        List<TrafficDriver.Result> results = new ArrayList<>();
        List<MeshAccess.LogEntry> log = new ArrayList<>();
        for (int i = 0; i < sent.length; i++) {
            Sent s = sent[i];
            String id = "T-run-1-" + i;
            results.add(new TrafficDriver.Result(
                    id,
                    s.status(),
                    Duration.ofMillis(s.millis()).toNanos(),
                    null,
                    Map.of(),
                    "{\"version\": \"" + s.version() + "\"}"));
            log.add(new MeshAccess.LogEntry(
                    "productpage-v1-abc-x",
                    Map.of("app", "productpage", "version", "v1"),
                    "outbound",
                    id,
                    s.status(),
                    s.flags(),
                    s.cluster(),
                    "",
                    s.millis(),
                    "reviews:9080"));
            if (s.version() != null) {
                log.add(new MeshAccess.LogEntry(
                        "reviews-" + s.version() + "-abc-y",
                        Map.of("app", "reviews", "version", s.version()),
                        "inbound",
                        id,
                        s.status(),
                        "-",
                        "inbound|9080||",
                        "",
                        s.millis(),
                        "reviews:9080"));
            }
        }
        return Responses.of(
                request,
                "T-run-1",
                results,
                log,
                new Responses.Counters("productpage", before, after),
                Map.of(
                        "reviews",
                        "productpage's route 9080 for reviews:9080: [1] VirtualService default/reviews -> " + V1
                                + " 75%, " + V2 + " 25%"));
    }

    private static Responses threeToOne() {
        return responses(
                REVIEWS,
                Map.of(),
                Map.of(),
                new Sent(200, "v1", "-", V1, 5),
                new Sent(200, "v1", "-", V1, 7),
                new Sent(200, "v1", "-", V1, 9),
                new Sent(200, "v2", "-", V2, 40));
    }

    @Test
    void versionShareWithinToleranceHolds() {
        assertThat(threeToOne())
                .hasVersionShare("v1", 0.75, within(0.0))
                .hasVersionShare("v2", 0.2, within(0.05))
                .noneServedBy("v3")
                .allHaveStatus(200)
                .noneHaveResponseFlag("UO");
    }

    @Test
    void podsCountsTheRequestsEachPodOfTheServiceServed() {
        assertThat(threeToOne().pods())
                .containsExactly(Map.entry("reviews-v1-abc-y", 3), Map.entry("reviews-v2-abc-y", 1));
        assertThat(responses(REVIEWS, Map.of(), Map.of(), new Sent(503, null, "UF", V1, 1))
                        .pods())
                .isEmpty();
    }

    @Test
    void versionShareFailureShowsCountsClustersAndTheRule() {
        assertThatThrownBy(() -> assertThat(threeToOne()).hasVersionShare("v2", 0.5, within(0.05)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(
                        "Expected reviews v2 to serve 0.5 ± 0.05 of the requests, but it served 0.250 (1/4).")
                .hasMessageContaining("4 x GET http://reviews:9080/reviews/0 from productpage")
                .hasMessageContaining("served by reviews: v1 3/4, v2 1/4")
                .hasMessageContaining("status codes: 200 4/4")
                .hasMessageContaining("productpage's sidecar chose: " + V1 + " 3/4, " + V2 + " 1/4")
                .hasMessageContaining(
                        "routing for reviews: productpage's route 9080 for reviews:9080: [1] VirtualService default/reviews")
                .hasMessageContaining("flags at productpage's sidecar: - (no flag) 4/4");
    }

    @Test
    void aStatusFailureNamesTheMechanismThatAnswered() {
        Responses r = responses(
                REVIEWS, Map.of(), Map.of(), new Sent(200, "v1", "-", V1, 5), new Sent(500, null, "FI", V1, 1));
        assertThatThrownBy(() -> assertThat(r).allHaveStatus(200))
                .hasMessageContaining("Expected every response to have status 200, but 1 of 2 did not.")
                .hasMessageContaining("served by reviews: none 1/2, v1 1/2 (none: the request never reached reviews")
                .hasMessageContaining("FI (fault abort injected by a VirtualService) 1/2");
    }

    @Test
    void overflowedResponsesAreCheckedOnTheirOwnAndAgainstTheCounter() {
        String overflow = "cluster." + V1 + ".upstream_rq_pending_overflow";
        Responses r = responses(
                REVIEWS,
                Map.of(overflow, 4L),
                Map.of(overflow, 6L, "cluster." + V2 + ".upstream_rq_pending_overflow", 0L),
                new Sent(200, "v1", "-", V1, 200),
                new Sent(503, null, "UO", V1, 1),
                new Sent(503, null, "UO", V1, 1));
        assertThat(r).someHaveStatus(200).someHaveStatus(503).withStatus(503).allHaveResponseFlag("UO");
        assertThat(r).counter("upstream_rq_pending_overflow").isEqualTo(r.statusCount(503));
        assertThat(r.counterIncrease(overflow)).isEqualTo(2);
        assertThatThrownBy(() -> assertThat(r).allHaveResponseFlag("UO"))
                .hasMessageContaining(
                        "Expected every response to carry response flag UO (overflow: the DestinationRule's connectionPool")
                .hasMessageContaining("but 1 of 3 did not");
    }

    @Test
    void aFlagThatIsNoResponseFlagIsAMistakeInTheTestSaidAtOnce() {
        assertThatThrownBy(() -> assertThat(threeToOne()).noneHaveResponseFlag("OU"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OU is not one of Envoy's response flags [LH, UH, UT");
    }

    @Test
    void anUnknownCounterListsTheServicesCounters() {
        Responses r = responses(
                REVIEWS, Map.of(), Map.of("cluster." + V1 + ".upstream_rq_total", 1L), new Sent(200, "v1", "-", V1, 2));
        assertThatThrownBy(() -> assertThat(r).counter("upstream_rq_pending_overflw"))
                .hasMessageContaining("no counter upstream_rq_pending_overflw on productpage's sidecar")
                .hasMessageContaining("upstream_rq_total");
    }

    @Test
    void allAssertionsFailOnNoResponsesRatherThanPassVacuously() {
        assertThatThrownBy(() -> assertThat(threeToOne()).withStatus(503).allHaveResponseFlag("UO"))
                .hasMessageContaining(
                        "Expected responses to check, but there were none: 0 x GET http://reviews:9080/reviews/0 "
                                + "from productpage (with status 503)");
    }

    @Test
    void latencyPercentilesAreDurationAssertions() {
        assertThat(threeToOne()).p50().isEqualTo(Duration.ofMillis(7));
        assertThat(threeToOne()).p99().isEqualTo(Duration.ofMillis(40));
        assertThatThrownBy(() -> assertThat(threeToOne()).p90().isLessThan(Duration.ofMillis(10)))
                .hasMessageContaining("p90 latency of 4 x GET http://reviews:9080/reviews/0 from productpage")
                .hasMessageContaining("p50 7.0 ms, p90 40.0 ms");
    }

    @Test
    void aPathThroughTheIngressCountsTheServiceTheGatewayRoutedTo() {
        Request page = get("/productpage");
        TrafficDriver.Result result = new TrafficDriver.Result("T-1-0", 200, 1_000_000, null, Map.of(), "<html>");
        List<MeshAccess.LogEntry> log = List.of(
                new MeshAccess.LogEntry(
                        "istio-ingressgateway-a-b",
                        Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"),
                        "outbound",
                        "T-1-0",
                        200,
                        "-",
                        "outbound|9080||productpage.default.svc.cluster.local",
                        "",
                        3,
                        "x"),
                new MeshAccess.LogEntry(
                        "productpage-v1-a-b",
                        Map.of("app", "productpage", "version", "v1"),
                        "inbound",
                        "T-1-0",
                        200,
                        "-",
                        "inbound|9080||",
                        "",
                        3,
                        "x"),
                new MeshAccess.LogEntry(
                        "productpage-v1-a-b",
                        Map.of("app", "productpage", "version", "v1"),
                        "outbound",
                        "T-1-0",
                        200,
                        "-",
                        V2,
                        "",
                        1,
                        "reviews:9080"),
                new MeshAccess.LogEntry(
                        "reviews-v2-a-b",
                        Map.of("app", "reviews", "version", "v2"),
                        "inbound",
                        "T-1-0",
                        200,
                        "-",
                        "inbound|9080||",
                        "",
                        1,
                        "reviews:9080"));
        Responses r = Responses.of(
                page,
                "T-1",
                List.of(result),
                log,
                new Responses.Counters("istio-ingressgateway", Map.of(), Map.of()),
                Map.of());
        assertThat(r.service()).isEqualTo("productpage");
        assertThat(r)
                .allServedBy("v1")
                .allServedBy("reviews", "v2")
                .hasVersionShare("reviews", "v2", 1.0, within(0.0))
                .allBodiesContain("<html>");
        assertThatThrownBy(() -> assertThat(r).forService("reviews").allServedBy("v3"))
                .hasMessageContaining("Expected every request to be served by reviews v3, but 1 of 1 were not.")
                .hasMessageContaining(
                        "the ingress gateway chose: outbound|9080||productpage.default.svc.cluster.local 1/1")
                .hasMessageContaining("calls to reviews: " + V2 + " by productpage's sidecar 1/1");
    }

    @Test
    void percentSignsInExplanationsAreNotFormatDirectives() {
        Responses r = responses(
                get("http://reviews:9080/reviews/%d").from("productpage"),
                Map.of(),
                Map.of(),
                new Sent(500, "v1", "-", V1, 1));
        assertThatThrownBy(() -> assertThat(r).allHaveStatus(200)).hasMessageContaining("/reviews/%d");
    }
}
