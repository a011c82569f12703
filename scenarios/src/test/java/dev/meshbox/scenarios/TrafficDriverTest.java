package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the driver sends and what it records, against a real server on loopback. */
class TrafficDriverTest {

    private final LoopbackMesh mesh = new LoopbackMesh();

    @AfterEach
    void close() {
        mesh.close();
    }

    private List<TrafficDriver.Result> send(Scenario.Traffic traffic) throws InterruptedException {
        return new TrafficDriver(mesh).send(traffic, "run", n -> {});
    }

    @Test
    void everyRequestCarriesItsIdAndTheResultsComeBackInRequestOrder() throws Exception {
        AtomicInteger progress = new AtomicInteger();
        List<TrafficDriver.Result> results = new TrafficDriver(mesh)
                .send(new Scenario.Traffic("ingress", "GET", "/reviews/0", Map.of(), 25, 4), "run", progress::set);

        assertThat(results)
                .extracting(TrafficDriver.Result::requestId)
                .startsWith("run-0", "run-1")
                .endsWith("run-24");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("reviews v1");
            assertThat(r.headers()).containsEntry("x-served-by", "reviews-v1");
            assertThat(r.nanos()).isPositive();
        });
        assertThat(progress).hasValue(25);
    }

    @Test
    void aLogicalUrlIsSentWithItsAuthorityAsHostAndAHostHeaderOverridesIt() throws Exception {
        send(new Scenario.Traffic("productpage", "GET", "http://reviews:9080/reviews/0", Map.of(), 1, 1));
        send(new Scenario.Traffic("ingress", "GET", "/productpage", Map.of("host", "bookinfo.example.com"), 1, 1));

        assertThat(mesh.hosts()).containsExactly("reviews:9080", "bookinfo.example.com");
    }

    @Test
    void hostIsSentApartFromTheUrl() throws Exception {
        send(new Scenario.Traffic("productpage", "GET", "http://reviews:9080/reviews/0", Map.of(), 1, 1)
                .withHost("www.example.com"));

        assertThat(mesh.hosts()).containsExactly("www.example.com");
    }

    @Test
    void redirectsAreFollowedLikeCurlLAndTheChainIsKept() throws Exception {
        List<TrafficDriver.Result> followed =
                send(new Scenario.Traffic("ingress", "POST", "/moved/abs", Map.of("host", "shop.example.com"), 1, 1)
                        .followingRedirects(5));

        TrafficDriver.Result r = followed.get(0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("reviews v1");
        assertThat(r.redirects())
                .containsExactly(
                        new TrafficDriver.Redirect(301, "http://reviews.example.com/moved/rel"),
                        new TrafficDriver.Redirect(302, "/reviews/0?from=moved"));
        assertThat(r.firstAnswer().status()).isEqualTo(301);
        // The probe request, then the chain: POST, then GET after a 301 as curl -L does, on the new host.
        assertThat(mesh.hosts()).endsWith("shop.example.com", "reviews.example.com", "reviews.example.com");
        assertThat(mesh.requestLines()).endsWith("POST /moved/abs", "GET /moved/rel", "GET /reviews/0?from=moved");
    }

    @Test
    void withoutFollowingTheRedirectIsTheResult() throws Exception {
        TrafficDriver.Result r = send(new Scenario.Traffic("ingress", "GET", "/moved/abs", Map.of(), 1, 1))
                .get(0);

        assertThat(r.status()).isEqualTo(301);
        assertThat(r.redirects()).isEmpty();
        assertThat(r.firstAnswer()).isEqualTo(new TrafficDriver.Redirect(301, "http://reviews.example.com/moved/rel"));
    }

    @Test
    void aUserThroughTheIngressLogsInOnceAndSendsTheSessionCookie() throws Exception {
        send(new Scenario.Traffic("ingress", "GET", "/productpage", Map.of("end-user", "jason"), 3, 1));

        assertThat(mesh.cookies()).containsOnlyKeys("run-0", "run-1", "run-2");
        assertThat(mesh.cookies().values()).containsOnly("session=logged-in");
    }

    @Test
    void aRequestThatGetsNoAnswerIsAResultWithStatusZeroAndTheReason() throws Exception {
        // A port held by a socket that does not listen: nothing else on the machine can take it meanwhile.
        List<TrafficDriver.Result> results;
        InetSocketAddress closed;
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closed = (InetSocketAddress) reserved.getLocalSocketAddress();
            results = new TrafficDriver(new Unreachable(closed))
                    .send(new Scenario.Traffic("ingress", "GET", "/productpage", Map.of(), 2, 1), "run", n -> {});
        }

        assertThat(results).hasSize(2).allSatisfy(r -> {
            assertThat(r.status()).isZero();
            assertThat(r.error())
                    .startsWith("GET http://")
                    .contains(":" + closed.getPort() + "/productpage via 127.0.0.1:" + closed.getPort());
            assertThat(r.headers()).isEmpty();
        });
    }

    /** A mesh whose ingress no longer listens. */
    private record Unreachable(InetSocketAddress ingress) implements MeshAccess {
        @Override
        public ApplyOutcome apply(List<ConfigText> config) {
            return new ApplyOutcome(List.of(), List.of());
        }

        @Override
        public void resetConfig() {}

        @Override
        public InetSocketAddress outboundOf(String workload) {
            return ingress;
        }

        @Override
        public List<LogEntry> accessLog() {
            return List.of();
        }

        @Override
        public Map<String, Long> counters(String workload) {
            return Map.of();
        }
    }

    @Test
    void aHeaderTheDriverWritesItselfIsRefusedBeforeAnyRequestLeaves() {
        assertThatThrownBy(() -> send(new Scenario.Traffic("ingress", "GET", "/", Map.of("content-length", "5"), 1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Content-Length")
                .satisfies(e -> assertThat(mesh.hosts()).isEmpty());
    }
}
