package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** details, ratings and reviews answered directly, their outbound calls going through the stand-in. */
@ExtendWith(TestMesh.PerClass.class)
class BackendAppsTest {
    private static final String REVIEWS_V1 = "{\"id\":\"0\",\"podname\":\"reviews-v1-test\",\"clustername\":\"null\","
            + "\"reviews\":[{\"reviewer\":\"Reviewer1\",\"text\":\"An extremely entertaining play by Shakespeare. "
            + "The slapstick humour is refreshing!\"},{\"reviewer\":\"Reviewer2\",\"text\":\"Absolutely fun and "
            + "entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.\"}]}";

    private final TestMesh mesh;

    BackendAppsTest(TestMesh mesh) {
        this.mesh = mesh;
    }

    @Test
    void detailsDescribesThePaperback() {
        HttpResponse<String> details = mesh.get(mesh.app("details", "v1"), "/details/0");

        assertThat(details.statusCode()).isEqualTo(200);
        assertThat(details.body())
                .isEqualTo("{\"id\":0,\"author\":\"William Shakespeare\",\"year\":1595,"
                        + "\"type\":\"paperback\",\"pages\":200,\"publisher\":\"PublisherA\",\"language\":\"English\","
                        + "\"ISBN-10\":\"1234567890\",\"ISBN-13\":\"123-1234567890\"}");
    }

    @Test
    void detailsRejectsNonNumericIdWith400() {
        HttpResponse<String> details = mesh.get(mesh.app("details", "v1"), "/details/abc");

        assertThat(details.statusCode()).isEqualTo(400);
        assertThat(details.body()).isEqualTo("{\"error\":\"please provide numeric product id\"}");
    }

    @Test
    void ratingsGivesFiveAndFourStars() {
        assertThat(mesh.get(mesh.app("ratings", "v1"), "/ratings/7").body())
                .isEqualTo("{\"id\":7,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}");
        assertThat(mesh.get(mesh.app("ratings", "v1"), "/ratings/x").statusCode())
                .isEqualTo(400);
    }

    @Test
    void everyAppAnswersHealth() {
        for (String[] app : new String[][] {
            {"details", "v1"},
            {"ratings", "v1"},
            {"reviews", "v1"},
            {"reviews", "v2"},
            {"reviews", "v3"},
            {"productpage", "v1"}
        }) {
            assertThat(mesh.get(mesh.app(app[0], app[1]), "/health").statusCode())
                    .as(app[0])
                    .isEqualTo(200);
        }
    }

    @Test
    void reviewsV1AnswersWithoutRatingsAndNeverCallsRatings() {
        HttpResponse<String> reviews = mesh.get(mesh.app("reviews", "v1"), "/reviews/0");

        assertThat(reviews.statusCode()).isEqualTo(200);
        assertThat(reviews.body()).isEqualTo(REVIEWS_V1);
        assertThat(mesh.sidecar.seen("ratings")).isEmpty();
    }

    @Test
    void reviewsV2AddsBlackStarsFromRatings() {
        String body = mesh.get(mesh.app("reviews", "v2"), "/reviews/0").body();

        assertThat(body)
                .contains(
                        "\"podname\":\"reviews-v2-test\"",
                        "refreshing!\",\"rating\":{\"stars\":5,\"color\":\"black\"}",
                        "Shakespeare.\",\"rating\":{\"stars\":4,\"color\":\"black\"}");
        assertThat(mesh.sidecar.seen("ratings"))
                .singleElement()
                .satisfies(s -> assertThat(s.requestLine()).isEqualTo("GET /ratings/0 HTTP/1.1"));
    }

    @Test
    void reviewsV3AddsRedStars() {
        String body = mesh.get(mesh.app("reviews", "v3"), "/reviews/0").body();

        assertThat(body).contains("{\"stars\":5,\"color\":\"red\"}", "{\"stars\":4,\"color\":\"red\"}");
    }

    @Test
    void reviewsAnswers200WithRatingErrorsWhenRatingsAborts() {
        mesh.sidecar.inject("ratings", StandInSidecar.Fault.ABORT_503);

        HttpResponse<String> reviews = mesh.get(mesh.app("reviews", "v2"), "/reviews/0");

        assertThat(reviews.statusCode()).isEqualTo(200);
        assertThat(reviews.body().split("\"rating\":\\{\"error\":\"Ratings service is currently unavailable\"}", -1))
                .hasSize(3);
    }

    @Test
    void reviewsV3GivesUpOnRatingsAfterTwoAndAHalfSeconds() {
        mesh.sidecar.inject("ratings", StandInSidecar.Fault.HANG);

        long start = System.nanoTime();
        HttpResponse<String> reviews = mesh.get(mesh.app("reviews", "v3"), "/reviews/0");
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(reviews.statusCode()).isEqualTo(200);
        assertThat(reviews.body()).contains("Ratings service is currently unavailable");
        // v3's own 2.5 s timeout ended the wait (the hang never answers); how much later is the bench's business.
        assertThat(seconds).isGreaterThanOrEqualTo(2.3);
    }

    @Test
    void reviewsAnswers200WhenItsSidecarIsUnreachable() throws IOException {
        // A port held by a socket that does not listen: connections are refused, and nothing else can take it.
        try (Socket reserved = new Socket();
                Workload reviews = BookinfoApps.create(TestMesh.context("reviews", "v2", reserve(reserved)))) {
            reviews.start();

            HttpResponse<String> answer = mesh.get(reviews, "/reviews/0");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"rating\":{\"error\":\"Ratings service is currently unavailable\"}");
        }
    }

    private static InetSocketAddress reserve(Socket socket) throws IOException {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Test
    void reviewsForwardsIncomingHeadersToRatings() {
        mesh.get(
                mesh.app("reviews", "v3"),
                "/reviews/0",
                "x-request-id",
                "abc-123",
                "end-user",
                "jason",
                "x-b3-sampled",
                "1",
                "cookie",
                "session=xyz",
                "authorization",
                "Bearer t",
                "x-unrelated",
                "no");

        assertThat(mesh.sidecar.seen("ratings")).singleElement().satisfies(s -> {
            assertThat(s.header("x-request-id")).isEqualTo("abc-123");
            assertThat(s.header("end-user")).isEqualTo("jason");
            assertThat(s.header("x-b3-sampled")).isEqualTo("1");
            assertThat(s.header("cookie")).isEqualTo("session=xyz");
            assertThat(s.header("authorization")).isEqualTo("Bearer t");
            assertThat(s.header("connection")).isEqualTo("close");
            assertThat(s.headers()).doesNotContainKey("x-unrelated");
        });
    }
}
