package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** httpbin on a loopback port, answered directly, as the mesh's sidecar would reach it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpbinAppTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 15001);

    private final AppClient client = new AppClient();
    private Workload httpbin;
    private String hostPort;

    @BeforeAll
    void start() {
        httpbin = TestApps.create(TestMesh.context("httpbin", "v1", PROXY));
        httpbin.start();
        hostPort = "127.0.0.1:" + httpbin.address().getPort();
    }

    @AfterAll
    void stop() {
        httpbin.close();
    }

    @BeforeEach
    void clearLog() {
        assertThat(client.send(httpbin, "DELETE", "/__meshbox/requests", "").statusCode())
                .isEqualTo(204);
    }

    @Test
    void getEchoesArgsCanonicalHeadersOriginAndUrl() {
        JsonNode get = client.getJson(httpbin, "/get?a=1&b=2&b=3&c=x%20y", "x-request-id", "r-1", "END-USER", "jason");

        assertThat(fieldNames(get)).containsExactly("args", "headers", "origin", "url");
        assertThat(get.get("args").toString()).isEqualTo("{\"a\":\"1\",\"b\":[\"2\",\"3\"],\"c\":\"x y\"}");
        assertThat(get.path("headers").path("X-Request-Id").asText()).isEqualTo("r-1");
        assertThat(get.path("headers").path("End-User").asText()).isEqualTo("jason");
        assertThat(get.path("headers").path("Host").asText()).isEqualTo(hostPort);
        assertThat(get.path("origin").asText()).isEqualTo("127.0.0.1");
        assertThat(get.path("url").asText()).isEqualTo("http://" + hostPort + "/get?a=1&b=2&b=3&c=x%20y");
    }

    @Test
    void originIsTheForwardedForChainWhenPresent() {
        JsonNode ip = client.getJson(httpbin, "/ip", "X-Forwarded-For", "10.0.0.7, 10.0.0.8");

        assertThat(ip.toString()).isEqualTo("{\"origin\":\"10.0.0.7, 10.0.0.8\"}");
    }

    @Test
    void headersAnswersOnlyTheHeaders() {
        JsonNode headers = client.getJson(httpbin, "/headers", "x-b3-sampled", "1");

        assertThat(fieldNames(headers)).containsExactly("headers");
        assertThat(headers.path("headers").path("X-B3-Sampled").asText()).isEqualTo("1");
    }

    @ParameterizedTest
    @CsvSource({"GET, 200", "POST, 417", "PUT, 503", "DELETE, 500", "PATCH, 302", "GET, 204", "OPTIONS, 599"})
    void statusAnswersThatCodeForAnyMethodWithAnEmptyBody(String method, int code) {
        HttpResponse<String> response = client.send(httpbin, method, "/status/" + code, "");

        assertThat(response.statusCode()).isEqualTo(code);
        assertThat(response.body()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void status418IsTheTeapotIstiosIngressTasksLookFor() {
        HttpResponse<String> response = client.get(httpbin, "/status/418");

        assertThat(response.statusCode()).isEqualTo(418);
        assertThat(response.body()).contains("-=[ teapot ]=-");
    }

    @ParameterizedTest
    @ValueSource(strings = {"199", "600", "abc", "-1"})
    void statusOutsideTwoHundredToFiveNinetyNineIs400(String code) {
        HttpResponse<String> response = client.get(httpbin, "/status/" + code);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("must be 200..599, got '" + code + "'");
    }

    @Test
    void delayWaitsThenAnswersLikeGet() {
        long start = System.nanoTime();
        HttpResponse<String> response = client.get(httpbin, "/delay/1?x=1");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fieldNames(AppClient.json(response))).containsExactly("args", "headers", "origin", "url");
        assertThat(AppClient.json(response).path("args").path("x").asText()).isEqualTo("1");
        // The timer never fires early; how much later it answers is a latency, which the bench measures.
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fortyConcurrentDelaysWaitOnATimerWithoutStarvingOtherRequests() throws Exception {
        // More waits than Jetty's 32 threads: if each held a thread, a request arriving now would queue behind them
        // until the first delay ended, so /get would not be answered while all forty still wait.
        List<CompletableFuture<HttpResponse<String>>> delays = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            delays.add(client.sendAsync(httpbin, "GET", "/delay/3"));
        }
        Poll.until(
                "httpbin to have received the forty delayed requests",
                Duration.ofSeconds(10),
                () -> received(httpbin, "/delay/3") == 40);

        assertThat(client.get(httpbin, "/get").statusCode()).isEqualTo(200);
        assertThat(delays).as("delays answered before /get").noneMatch(CompletableFuture::isDone);
        CompletableFuture.allOf(delays.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(delays).allSatisfy(d -> assertThat(d.join().statusCode()).isEqualTo(200));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "NaN"})
    void delayRejectsWhatIsNotASecondCount(String seconds) {
        HttpResponse<String> response = client.get(httpbin, "/delay/" + seconds);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("must be a number of seconds >= 0");
    }

    @Test
    void anythingEchoesMethodArgsBodyAndParsedJson() {
        HttpResponse<String> response =
                client.send(httpbin, "PUT", "/anything/a/b?x=1", "{\"k\":[1,2]}", "Content-Type", "application/json");
        JsonNode anything = AppClient.json(response);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fieldNames(anything))
                .containsExactly("args", "data", "files", "form", "headers", "json", "method", "origin", "url");
        assertThat(anything.path("method").asText()).isEqualTo("PUT");
        assertThat(anything.path("args").toString()).isEqualTo("{\"x\":\"1\"}");
        assertThat(anything.path("data").asText()).isEqualTo("{\"k\":[1,2]}");
        assertThat(anything.path("json").toString()).isEqualTo("{\"k\":[1,2]}");
        assertThat(anything.path("headers").path("Content-Type").asText()).isEqualTo("application/json");
        assertThat(anything.path("url").asText()).isEqualTo("http://" + hostPort + "/anything/a/b?x=1");
    }

    @Test
    void postEchoesTheBodyAsHttpbinDoesWithoutTheMethod() {
        HttpResponse<String> response =
                client.send(httpbin, "POST", "/post?x=1", "{\"k\":1}", "Content-Type", "application/json");
        JsonNode post = AppClient.json(response);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fieldNames(post))
                .containsExactly("args", "data", "files", "form", "headers", "json", "origin", "url");
        assertThat(post.path("json").toString()).isEqualTo("{\"k\":1}");
    }

    @Test
    void anythingGivesNullJsonForTextAndParsesForms() {
        JsonNode text = AppClient.json(client.send(httpbin, "POST", "/anything", "not {json"));
        JsonNode form = AppClient.json(client.send(
                httpbin,
                "DELETE",
                "/anything",
                "a=1&b=two+words",
                "Content-Type",
                "application/x-www-form-urlencoded"));

        assertThat(text.path("json").isNull()).isTrue();
        assertThat(text.path("data").asText()).isEqualTo("not {json");
        assertThat(form.path("method").asText()).isEqualTo("DELETE");
        assertThat(form.path("form").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"two words\"}");
        assertThat(form.path("data").asText()).isEmpty();
    }

    @Test
    void rootAndHealthAnswer200() {
        assertThat(client.get(httpbin, "/").statusCode()).isEqualTo(200);
        assertThat(client.get(httpbin, "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void requestLogShowsAMirroredCopysShadowHostAndNotItsOwnReads() {
        String answer =
                AppClient.raw(httpbin, "GET /get?m=1 HTTP/1.1\r\nHost: httpbin-shadow:8000\r\nx-request-id: m-1");
        client.get(httpbin, "/no/such/page");

        JsonNode log = client.getJson(httpbin, "/__meshbox/requests");
        client.getJson(httpbin, "/__meshbox/requests");
        JsonNode again = client.getJson(httpbin, "/__meshbox/requests");

        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(log.path("service").asText()).isEqualTo("httpbin");
        assertThat(log.path("version").asText()).isEqualTo("v1");
        assertThat(log.path("pod").asText()).isEqualTo("httpbin-v1-test");
        JsonNode requests = log.path("requests");
        assertThat(requests).hasSize(2);
        JsonNode mirrored = requests.get(0);
        assertThat(mirrored.path("method").asText()).isEqualTo("GET");
        assertThat(mirrored.path("path").asText()).isEqualTo("/get");
        assertThat(mirrored.path("query").asText()).isEqualTo("m=1");
        assertThat(mirrored.path("host").asText()).isEqualTo("httpbin-shadow:8000");
        assertThat(mirrored.path("headers").path("x-request-id").asText()).isEqualTo("m-1");
        assertThat(mirrored.path("receivedAt").asText()).endsWith("Z");
        assertThat(requests.get(1).path("path").asText()).isEqualTo("/no/such/page");
        assertThat(requests.get(1).path("seq").asLong())
                .isEqualTo(mirrored.path("seq").asLong() + 1);
        assertThat(again.path("requests")).hasSize(2);
    }

    @Test
    void closeEndsPendingDelaysAndStopsTheTimerThread() throws Exception {
        Workload other = TestApps.httpbin(TestMesh.context("httpbin", "v2", PROXY));
        other.start();
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(other, "GET", "/delay/10");
        Poll.until(
                "httpbin v2 to have received the delayed request",
                Duration.ofSeconds(10),
                () -> received(other, "/delay/10") == 1);

        other.close();

        // Jetty answers a request still waiting when it stops with a 500, or drops the connection: either way long
        // before the ten seconds the request asked to wait.
        int pendingStatus = pending.handle((response, error) -> error != null ? -1 : response.statusCode())
                .get(5, TimeUnit.SECONDS);
        assertThat(pendingStatus).isNotEqualTo(200);
        Poll.until(
                "the timer thread httpbin-v2-test-delay to end",
                Duration.ofSeconds(5),
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals("httpbin-v2-test-delay")));
    }

    @Test
    void createKnowsOnlyHttpbin() {
        assertThatThrownBy(() -> TestApps.create(TestMesh.context("reviews", "v1", PROXY)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'reviews'");
    }

    /** How many requests to {@code path} the app's request log holds. */
    private int received(Workload app, String path) {
        int n = 0;
        for (JsonNode r : client.getJson(app, "/__meshbox/requests").path("requests")) {
            n += r.path("path").asText().equals(path) ? 1 : 0;
        }
        return n;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
