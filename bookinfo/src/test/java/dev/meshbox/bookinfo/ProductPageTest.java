package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a user of /productpage sees, with every app running behind a stand-in sidecar. */
@ExtendWith(TestMesh.PerClass.class)
class ProductPageTest {
    private static final String FILLED = "id=\"glyphicon glyphicon-star\"";
    private static final String EMPTY = "id=\"glyphicon glyphicon-star-empty\"";

    private final TestMesh mesh;

    ProductPageTest(TestMesh mesh) {
        this.mesh = mesh;
    }

    @Test
    void v1ShowsNoStars() {
        HttpResponse<String> page = mesh.page();

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains(
                        "<title>Simple Bookstore App</title>",
                        "Reviewer1",
                        "Reviewer2",
                        "Reviews served by: reviews-v1-test");
        assertThat(page.body()).doesNotContain("glyphicon-star", "-500\"", "Ratings service");
        assertThat(mesh.sidecar.seen("ratings")).isEmpty();
    }

    @Test
    void v2ShowsNineBlackStars() {
        mesh.routeReviewsTo("v2");

        String page = mesh.page().body();

        assertThat(count(page, FILLED)).isEqualTo(9);
        assertThat(count(page, EMPTY)).isEqualTo(1);
        assertThat(count(page, "text-black-500")).isEqualTo(2);
        assertThat(page).doesNotContain("text-red-500").contains("Reviews served by: reviews-v2-test");
    }

    @Test
    void v3ShowsNineRedStars() {
        mesh.routeReviewsTo("v3");

        String page = mesh.page().body();

        assertThat(count(page, FILLED)).isEqualTo(9);
        assertThat(count(page, "text-red-500")).isEqualTo(2);
        assertThat(page).doesNotContain("text-black-500");
        // every star of a review sits inside its coloured container
        assertThat(page)
                .containsPattern("class=\"stars text-red-500\">(<span id=\"glyphicon glyphicon-star\"[^>]*>"
                        + "[^<]*</span>){5}</div>");
    }

    @Test
    void ratingsAbortShowsRatingsUnavailableAndStill200() {
        mesh.routeReviewsTo("v3");
        mesh.sidecar.inject("ratings", StandInSidecar.Fault.ABORT_503);

        HttpResponse<String> page = mesh.page();

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(count(page.body(), "Ratings service is currently unavailable"))
                .isEqualTo(2);
        assertThat(page.body()).doesNotContain("glyphicon-star", "Error fetching product reviews");
    }

    @Test
    void ratingsUnreachableShowsRatingsUnavailable() {
        mesh.routeReviewsTo("v2");
        mesh.sidecar.route("ratings", closedPort());
        try {
            String page = mesh.page().body();

            assertThat(page)
                    .contains("Ratings service is currently unavailable")
                    .doesNotContain(FILLED);
        } finally {
            mesh.sidecar.route("ratings", mesh.app("ratings", "v1").address());
        }
    }

    @Test
    void reviewsHangingShowsReviewsErrorAfterTwoThreeSecondAttempts() {
        mesh.sidecar.inject("reviews", StandInSidecar.Fault.HANG);

        long start = System.nanoTime();
        HttpResponse<String> page = mesh.page();
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains(
                        "Error fetching product reviews",
                        "Sorry, product reviews are currently unavailable for this book.");
        assertThat(page.body()).contains("Book Details").doesNotContain("Reviews served by:");
        // Two attempts of 3 s each, as Bookinfo's productpage makes them: two calls seen, each waited out.
        assertThat(seconds).isGreaterThanOrEqualTo(5.5);
        assertThat(mesh.sidecar.seen("reviews")).hasSize(2);
    }

    @Test
    void reviewsAbortIsRetriedOnceThenShowsReviewsError() {
        mesh.sidecar.inject("reviews", StandInSidecar.Fault.ABORT_503);

        String page = mesh.page().body();

        assertThat(page).contains("Sorry, product reviews are currently unavailable for this book.");
        assertThat(mesh.sidecar.seen("reviews")).hasSize(2);
    }

    @Test
    void detailsFailureShowsDetailsUnavailableAndKeepsReviews() {
        mesh.sidecar.inject("details", StandInSidecar.Fault.ABORT_503);

        HttpResponse<String> page = mesh.page();

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("Sorry, product details are currently unavailable for this book.", "Reviewer1");
        assertThat(mesh.sidecar.seen("details")).hasSize(1);
    }

    @Test
    void pageShowsBookDetails() {
        assertThat(mesh.page().body())
                .contains("The Comedy of Errors", "paperback", "PublisherA", "English", "1234567890", "123-1234567890");
    }

    @Test
    void loginSetsSessionCookieThenOutboundCallsCarryEndUser() {
        mesh.routeReviewsTo("v2");
        HttpResponse<String> login =
                mesh.postForm(mesh.app("productpage", "v1"), "/login", "username=jason&passwd=whatever");

        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("location"))
                .hasValueSatisfying(l -> assertThat(l).endsWith("/productpage"));
        String cookie = sessionCookie(login);

        String page = mesh.page("Cookie", cookie).body();

        assertThat(page).contains("jason", "Sign out");
        assertThat(mesh.sidecar.seen("details"))
                .singleElement()
                .satisfies(s -> assertThat(s.header("end-user")).isEqualTo("jason"));
        assertThat(mesh.sidecar.seen("reviews"))
                .singleElement()
                .satisfies(s -> assertThat(s.header("end-user")).isEqualTo("jason"));
        // reviews forwards it on to ratings, the second hop
        assertThat(mesh.sidecar.seen("ratings"))
                .singleElement()
                .satisfies(s -> assertThat(s.header("end-user")).isEqualTo("jason"));
    }

    @Test
    void anonymousCallsCarryNoEndUser() {
        mesh.routeReviewsTo("v3");

        String page = mesh.page().body();

        assertThat(page).contains("Sign in");
        assertThat(mesh.sidecar.seen("details")).hasSize(1);
        assertThat(mesh.sidecar.seen("reviews")).hasSize(1);
        assertThat(mesh.sidecar.seen("ratings")).hasSize(1);
        mesh.sidecar.seen("details").forEach(s -> assertThat(s.headers()).doesNotContainKey("end-user"));
        mesh.sidecar.seen("reviews").forEach(s -> assertThat(s.headers()).doesNotContainKey("end-user"));
        mesh.sidecar.seen("ratings").forEach(s -> assertThat(s.headers()).doesNotContainKey("end-user"));
    }

    @Test
    void forgedSessionCookieIsIgnored() {
        String forged = "session=amFzb24.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

        String page = mesh.page("Cookie", forged).body();

        assertThat(page).contains("Sign in").doesNotContain("Signed in as");
        assertThat(mesh.sidecar.seen("reviews").get(0).headers()).doesNotContainKey("end-user");
    }

    @Test
    void logoutClearsTheSessionCookie() {
        HttpResponse<String> logout = mesh.get(mesh.app("productpage", "v1"), "/logout");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().allValues("set-cookie"))
                .anySatisfy(c -> assertThat(c).startsWith("session=;").contains("Max-Age=0"));
    }

    @Test
    void requestIdAndTraceHeadersPropagateThroughEveryHop() {
        mesh.routeReviewsTo("v3");

        mesh.page(
                "x-request-id",
                "req-42",
                "x-b3-traceid",
                "80f198ee56343ba864fe8b2a57d3eff7",
                "traceparent",
                "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01",
                "user-agent",
                "curl/8.0");

        for (String service : new String[] {"details", "reviews", "ratings"}) {
            assertThat(mesh.sidecar.seen(service)).as(service).singleElement().satisfies(s -> {
                assertThat(s.header("x-request-id")).isEqualTo("req-42");
                assertThat(s.header("x-b3-traceid")).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
                assertThat(s.header("traceparent")).startsWith("00-80f198ee");
                assertThat(s.header("user-agent")).isEqualTo("curl/8.0");
                assertThat(s.headers()).doesNotContainKeys("x-b3-spanid", "authorization");
            });
        }
        assertThat(mesh.sidecar.seen("reviews").get(0).requestLine()).isEqualTo("GET /reviews/0 HTTP/1.1");
        assertThat(mesh.sidecar.seen("reviews").get(0).header("host")).isEqualTo("reviews:9080");
        assertThat(mesh.sidecar.seen("ratings").get(0).header("host")).isEqualTo("ratings:9080");
    }

    @Test
    void everyTracingHeaderOfIstiosListReachesDetailsReviewsAndRatings() {
        mesh.routeReviewsTo("v2");
        String[] sent = {
            "x-request-id", "req-7",
            "x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124",
            "x-b3-spanid", "a2fb4a1d1a96d312",
            "x-b3-parentspanid", "0020000000000001",
            "x-b3-sampled", "1",
            "x-b3-flags", "1",
            "traceparent", "00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01",
            "tracestate", "congo=t61rcWkgMzE",
            "x-ot-span-context", "ot-1",
            "x-datadog-trace-id", "1234",
            "x-datadog-parent-id", "5678",
            "x-datadog-sampling-priority", "1",
            "x-cloud-trace-context", "105445aa7843bc8bf206b12000100000/1;o=1",
            "grpc-trace-bin", "AAAB",
            "sw8", "1-TWVzaA==-U2VnbWVudA==-3-c2VydmljZQ==-aW5zdGFuY2U=-L2FwaQ==-bG9jYWxob3N0OjgwODA=",
            "jwt", "eyJ.e30.sig",
        };

        mesh.page(sent);

        for (String service : new String[] {"details", "reviews", "ratings"}) {
            assertThat(mesh.sidecar.seen(service)).as(service).singleElement().satisfies(s -> {
                for (int i = 0; i < sent.length; i += 2) {
                    assertThat(s.header(sent[i])).as(service + " " + sent[i]).isEqualTo(sent[i + 1]);
                }
            });
        }
    }

    @Test
    void apiListsTheOneBook() {
        HttpResponse<String> products = mesh.get(mesh.app("productpage", "v1"), "/api/v1/products");

        assertThat(products.statusCode()).isEqualTo(200);
        assertThat(products.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(products.body()).startsWith("[{\"id\":0,\"title\":\"The Comedy of Errors\"");
    }

    @Test
    void apiPassesBackendAnswersThrough() {
        mesh.routeReviewsTo("v2");
        Workload productpage = mesh.app("productpage", "v1");

        assertThat(mesh.get(productpage, "/api/v1/products/0").body()).contains("\"ISBN-13\":\"123-1234567890\"");
        assertThat(mesh.get(productpage, "/api/v1/products/0/reviews").body())
                .contains("\"podname\":\"reviews-v2-test\"", "\"color\":\"black\"");
        assertThat(mesh.get(productpage, "/api/v1/products/0/ratings").body())
                .isEqualTo("{\"id\":0,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}");
    }

    @Test
    void apiReportsBackendFailureWithItsStatus() {
        mesh.sidecar.inject("ratings", StandInSidecar.Fault.ABORT_503);

        HttpResponse<String> ratings = mesh.get(mesh.app("productpage", "v1"), "/api/v1/products/0/ratings");

        assertThat(ratings.statusCode()).isEqualTo(503);
        assertThat(ratings.body()).contains("Sorry, product ratings are currently unavailable for this book.");
    }

    @Test
    void pageLoadsNothingFromOutsideTheMesh() {
        Workload productpage = mesh.app("productpage", "v1");
        String page = mesh.page().body();

        assertThat(page).doesNotContain("https://", "http://", "cdn");
        assertThat(mesh.get(productpage, "/static/bookinfo.css").statusCode()).isEqualTo(200);
        assertThat(mesh.get(productpage, "/static/missing.js").statusCode()).isEqualTo(404);
        assertThat(mesh.get(productpage, "/health").body()).isEqualTo("Product page is healthy");
    }

    private static String sessionCookie(HttpResponse<String> login) {
        String setCookie = login.headers().allValues("set-cookie").stream()
                .filter(c -> c.startsWith("session="))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no session cookie in " + login.headers().map()));
        assertThat(setCookie).contains("HttpOnly");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static java.net.InetSocketAddress closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new java.net.InetSocketAddress(s.getInetAddress(), s.getLocalPort());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
