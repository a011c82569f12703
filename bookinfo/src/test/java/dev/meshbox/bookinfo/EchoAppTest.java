package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshbox.bookinfo.echo.EchoBehaviour;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Echo apps on loopback ports, each test starting its own with the behaviour it needs. */
class EchoAppTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 15001);
    private static final EchoBehaviour CALM = new EchoBehaviour(Duration.ZERO, 0, 503, 1L);

    private final AppClient client = new AppClient();
    private final List<Workload> started = new ArrayList<>();

    @AfterEach
    void closeApps() {
        started.forEach(Workload::close);
    }

    private Workload echo(String version, EchoBehaviour behaviour) {
        Workload app = TestApps.echo(TestMesh.context("canary", version, PROXY), behaviour);
        started.add(app);
        app.start();
        return app;
    }

    @Test
    void echoesWhoAnsweredAndWhatArrived() {
        Workload echo = echo("v2", CALM);

        HttpResponse<String> response = client.send(
                echo, "POST", "/orders/7?expand=items", "hello", "x-request-id", "r-9", "End-User", "jason");
        JsonNode body = AppClient.json(response);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-echo-version")).hasValue("v2");
        assertThat(response.headers().firstValue("x-echo-pod")).hasValue("canary-v2-test");
        assertThat(fieldNames(body)).containsExactly("service", "version", "pod", "namespace", "request");
        assertThat(body.path("service").asText()).isEqualTo("canary");
        assertThat(body.path("version").asText()).isEqualTo("v2");
        assertThat(body.path("pod").asText()).isEqualTo("canary-v2-test");
        assertThat(body.path("namespace").asText()).isEqualTo("default");
        JsonNode request = body.path("request");
        assertThat(fieldNames(request)).containsExactly("method", "path", "query", "host", "headers", "body");
        assertThat(request.path("method").asText()).isEqualTo("POST");
        assertThat(request.path("path").asText()).isEqualTo("/orders/7");
        assertThat(request.path("query").asText()).isEqualTo("expand=items");
        assertThat(request.path("host").asText())
                .isEqualTo("127.0.0.1:" + echo.address().getPort());
        assertThat(request.path("headers").path("x-request-id").asText()).isEqualTo("r-9");
        assertThat(request.path("headers").path("end-user").asText()).isEqualTo("jason");
        assertThat(request.path("body").asText()).isEqualTo("hello");
    }

    @ParameterizedTest
    @CsvSource({"GET, /", "PUT, /a", "DELETE, /a/b/c", "PATCH, /x.json", "OPTIONS, /__meshbox", "GET, /health"})
    void answersEveryMethodOnEveryPath(String method, String path) {
        Workload echo = echo("v1", CALM);

        HttpResponse<String> response = client.send(echo, method, path, "");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(AppClient.json(response).path("request").path("path").asText())
                .isEqualTo(path);
        assertThat(AppClient.json(response).path("request").path("method").asText())
                .isEqualTo(method);
    }

    @Test
    void seededErrorRateIsReproducibleAndNearItsShare() {
        EchoBehaviour quarter = new EchoBehaviour(Duration.ZERO, 0.25, 503, 42L);

        List<Integer> first = statuses(echo("v1", quarter), 1000);
        List<Integer> second = statuses(echo("v1", quarter), 1000);
        List<Integer> otherSeed = statuses(echo("v1", quarter.withSeed(43L)), 100);

        long failures = first.stream().filter(s -> s == 503).count();
        assertThat(first).containsOnly(200, 503);
        assertThat(failures / 1000.0).isBetween(0.20, 0.30);
        assertThat(second).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first.subList(0, 100));
    }

    @Test
    void injectedErrorsCarryTheEchoFieldsAndHeaders() {
        Workload echo = echo("v3", new EchoBehaviour(Duration.ZERO, 1, 429, 7L));

        HttpResponse<String> response = client.get(echo, "/pay");
        JsonNode body = AppClient.json(response);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-echo-version")).hasValue("v3");
        assertThat(fieldNames(body)).containsExactly("error", "service", "version", "pod", "namespace", "request");
        assertThat(body.path("error").asText()).isEqualTo("injected by echo");
        assertThat(body.path("request").path("path").asText()).isEqualTo("/pay");
    }

    @Test
    void failFirstFailsExactlyTheFirstRequests() {
        Workload echo = echo("v1", CALM.withFailFirst(2).withErrorStatus(500));

        assertThat(statuses(echo, 5)).containsExactly(500, 500, 200, 200, 200);
    }

    @Test
    void latencyDelaysErrorsAndSuccessesAlike() {
        Workload echo = echo("v1", CALM.withLatency(Duration.ofMillis(300)).withFailFirst(1));

        long start = System.nanoTime();
        List<Integer> statuses = statuses(echo, 2);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(statuses).containsExactly(503, 200);
        assertThat(seconds).as("two answers after 300 ms each").isGreaterThanOrEqualTo(0.6);
    }

    @Test
    void behaviourChangesWhileItRuns() {
        Workload echo = echo("v2", CALM);
        assertThat(statuses(echo, 2)).containsExactly(200, 200);

        HttpResponse<String> slowAndFailing = client.send(
                echo, "POST", "/__meshbox/behaviour", "{\"latencyMs\": 250, \"errorRate\": 1, \"errorStatus\": 500}");
        long start = System.nanoTime();
        int during = client.get(echo, "/").statusCode();
        double seconds = (System.nanoTime() - start) / 1e9;
        client.send(echo, "POST", "/__meshbox/behaviour", "{\"latencyMs\": 0, \"errorRate\": 0, \"failFirst\": 1}");
        List<Integer> after = statuses(echo, 3);
        JsonNode state = client.getJson(echo, "/__meshbox/behaviour");

        assertThat(slowAndFailing.statusCode()).isEqualTo(200);
        assertThat(slowAndFailing.body())
                .isEqualTo(
                        "{\"latencyMs\":250,\"errorRate\":1.0,\"errorStatus\":500,\"failFirst\":0,\"failuresLeft\":0,"
                                + "\"seed\":1}");
        assertThat(during).isEqualTo(500);
        assertThat(seconds).as("the new 250 ms latency").isGreaterThanOrEqualTo(0.25);
        assertThat(after).containsExactly(500, 200, 200);
        assertThat(state.path("failFirst").asInt()).isEqualTo(1);
        assertThat(state.path("failuresLeft").asInt()).isZero();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"errorRate\": 1.5}          | behaviour.errorRate: must be 0..1, got 1.5",
                "{\"errorStatus\": 200}        | behaviour.errorStatus: must be 400..599, got 200",
                "{\"latencyMs\": \"slow\"}     | behaviour.latencyMs: must be a whole number, got \\\"slow\\\"",
                "{\"latencyMs\": -5}           | behaviour.latencyMs: must be 0..60000, got -5",
                "{\"failFirst\": 1.5}          | behaviour.failFirst: must be a whole number, got 1.5",
                "{\"colour\": \"red\"}         | behaviour.colour: unknown field, expected one of latencyMs, errorRate",
                "[1]                           | behaviour: must be a JSON object",
                "not json                      | behaviour: not JSON"
            })
    void badBehaviourIsRejectedByFieldAndChangesNothing(String body, String error) {
        Workload echo = echo("v1", CALM);

        HttpResponse<String> response = client.send(echo, "POST", "/__meshbox/behaviour", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(AppClient.json(response).path("error").asText()).startsWith(error.replace("\\\"", "\""));
        assertThat(client.get(echo, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void harnessEndpointsAreNeitherFaultedNorLogged() {
        Workload echo = echo("v1", new EchoBehaviour(Duration.ZERO, 1, 503, 3L));
        AppClient.raw(echo, "GET /checkout?a=b HTTP/1.1\r\nHost: canary-shadow:8080");

        HttpResponse<String> log = client.get(echo, "/__meshbox/requests");
        HttpResponse<String> unknown = client.get(echo, "/__meshbox/nothing");
        JsonNode requests =
                AppClient.json(client.get(echo, "/__meshbox/requests")).path("requests");

        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.path("host").asText()).isEqualTo("canary-shadow:8080");
            assertThat(r.path("path").asText()).isEqualTo("/checkout");
            assertThat(r.path("query").asText()).isEqualTo("a=b");
        });
    }

    private List<Integer> statuses(Workload echo, int count) {
        List<Integer> statuses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            statuses.add(client.get(echo, "/").statusCode());
        }
        return statuses;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
