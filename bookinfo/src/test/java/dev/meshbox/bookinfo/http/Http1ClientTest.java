package dev.meshbox.bookinfo.http;

import static dev.meshbox.bookinfo.http.CannedServer.answer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client against a raw socket server that answers with canned bytes. */
class Http1ClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void anAppsCallIsOriginFormWithTheServiceAsHostItsForwardedHeadersAndConnectionClose() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))) {
            Http1Response response = Http1Client.perCall(server.address())
                    .send(
                            Upstream.REVIEWS.get("/reviews/0", new ForwardedHeaders(Map.of("x-request-id", "r1"))),
                            TIMEOUT);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.bodyText()).isEqualTo("{}");
            assertThat(server.seen())
                    .containsExactly("GET /reviews/0 HTTP/1.1\r\nHost: reviews:9080\r\nAccept: application/json\r\n"
                            + "x-request-id: r1\r\nConnection: close\r\n\r\n");
        }
    }

    @Test
    void aBodyIsSentWithItsLengthAndAGatewayGetsTheHostTheCallerNames() throws Exception {
        try (CannedServer server = new CannedServer(answer(OK))) {
            Http1Client.perCall(server.address())
                    .send(
                            Http1Request.of("POST", "bookinfo.example.com", "/login")
                                    .withHeaders("Content-Type", "application/x-www-form-urlencoded")
                                    .withBody("username=jason"),
                            TIMEOUT);

            assertThat(server.seen())
                    .containsExactly("POST /login HTTP/1.1\r\nHost: bookinfo.example.com\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 14\r\n"
                            + "Connection: close\r\n\r\nusername=jason");
        }
    }

    @Test
    void withoutAnAuthorityAnAbsoluteFormRequestGoesWithoutHost() throws Exception {
        try (CannedServer server = new CannedServer(answer(OK))) {
            Http1Client.perCall(server.address())
                    .send(
                            new Http1Request("GET", null, "http://reviews:9080/reviews/1", java.util.List.of(), null),
                            TIMEOUT);

            assertThat(server.seen())
                    .containsExactly("GET http://reviews:9080/reviews/1 HTTP/1.1\r\nConnection: close\r\n\r\n");
        }
    }

    @Test
    void chunkedBodiesWithExtensionsAndTrailersAreRead() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n"))) {
            Http1Response response =
                    Http1Client.perCall(server.address()).send(Http1Request.get("details:9080", "/"), TIMEOUT);

            assertThat(response.bodyText()).isEqualTo("hello, world");
        }
    }

    @Test
    void interimResponsesAreSkippedAndABodyWithoutLengthIsReadToClose() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 503 Service Unavailable\r\nServer: envoy\r\n\r\nno healthy upstream"))) {
            Http1Response response =
                    Http1Client.perCall(server.address()).send(Http1Request.get("ratings:9080", "/"), TIMEOUT);

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("Server")).isEqualTo("envoy");
            assertThat(response.bodyText()).isEqualTo("no healthy upstream");
        }
    }

    @Test
    void headersAreLookedUpWhateverTheirCaseAndRepeatedOnesJoined() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Echo: one\r\n"
                + "x-echo: two\r\nContent-Length: 0\r\n\r\n"))) {
            Http1Response response =
                    Http1Client.perCall(server.address()).send(Http1Request.get("echo:80", "/"), TIMEOUT);

            assertThat(response.header("x-ECHO")).isEqualTo("one,two");
            assertThat(response.headerValues("X-Echo")).containsExactly("one", "two");
            assertThat(response.header("set-cookie")).isEqualTo("a=1");
            assertThat(response.header("x-missing")).isNull();
            assertThat(response.joinedHeaders()).containsEntry("x-echo", "one,two");
        }
    }

    @Test
    void aTruncatedBodyIsAnErrorNamingTheRequestAndTheAddress() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))) {
            assertThatThrownBy(() -> Http1Client.perCall(server.address())
                            .send(Http1Request.get("ratings:9080", "/ratings/0"), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("GET http://ratings:9080/ratings/0 via 127.0.0.1:")
                    .hasMessageContaining("3 of 10");
        }
    }

    @Test
    void theTimeoutBoundsTheWholeResponseNotEachRead() throws Exception {
        // One byte every 150 ms never trips a per-read timeout: a client with one would return a 200 after 15 s.
        CannedServer.Script drip = (requests, out) -> {
            requests.next();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100; i++) {
                out.write('x');
                out.flush();
                pause(150);
            }
        };
        try (CannedServer server = new CannedServer(drip)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Http1Client.perCall(server.address())
                            .send(Upstream.RATINGS.get("/ratings/0", ForwardedHeaders.NONE), Duration.ofMillis(700)))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("ratings:9080")
                    .hasMessageContaining("no complete response within 700 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        }
    }

    @Test
    void aRefusedConnectionIsAConnectException() throws Exception {
        // A port held by a socket that does not listen: nothing else on the machine can take it meanwhile.
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress refusing = (InetSocketAddress) reserved.getLocalSocketAddress();

            assertThatThrownBy(() -> Http1Client.perCall(refusing).send(Http1Request.get("ratings:9080", "/"), TIMEOUT))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("ratings:9080");
        }
    }

    @Test
    void keepAliveSendsCallAfterCallOnOneConnection() throws Exception {
        CannedServer.Script three = (requests, out) -> {
            for (int i = 0; i < 3; i++) {
                requests.next();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + i).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            requests.next();
        };
        try (CannedServer server = new CannedServer(three);
                Http1Client client = Http1Client.keepAlive(server.address())) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.send(Http1Request.get("shop:8080", "/" + i), TIMEOUT)
                                .bodyText())
                        .isEqualTo(Integer.toString(i));
            }

            assertThat(server.connections()).isEqualTo(1);
            assertThat(server.seen()).allSatisfy(r -> assertThat(r).doesNotContain("Connection:"));
        }
    }

    @Test
    void aKeptConnectionTheServerClosedIsReplacedAndTheCallSentOnceMore() throws Exception {
        CannedServer.Script oneThenClose = answer(OK);
        try (CannedServer server = new CannedServer(oneThenClose, answer(OK));
                Http1Client client = Http1Client.keepAlive(server.address())) {
            client.send(Http1Request.get("shop:8080", "/first"), TIMEOUT);
            Http1Response second = client.send(Http1Request.get("shop:8080", "/second"), TIMEOUT);

            assertThat(second.status()).isEqualTo(200);
            assertThat(server.connections()).isEqualTo(2);
            assertThat(server.seen()).last().asString().startsWith("GET /second ");
        }
    }

    @Test
    void aCallIsNotSentAgainWhenTheConnectionWasNewOrAnAnswerHadBegun() throws Exception {
        CannedServer.Script hangUp = (requests, out) -> requests.next();
        try (CannedServer server = new CannedServer(hangUp);
                Http1Client client = Http1Client.keepAlive(server.address())) {
            assertThatThrownBy(() -> client.send(Http1Request.get("shop:8080", "/"), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("connection closed before a response");
            assertThat(server.connections()).isEqualTo(1);
        }
        CannedServer.Script okThenHalf = (requests, out) -> {
            requests.next();
            out.write(OK.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            requests.next();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
        };
        try (CannedServer server = new CannedServer(okThenHalf, answer(OK));
                Http1Client client = Http1Client.keepAlive(server.address())) {
            client.send(Http1Request.get("shop:8080", "/"), TIMEOUT);
            assertThatThrownBy(() -> client.send(Http1Request.get("shop:8080", "/"), TIMEOUT))
                    .hasMessageContaining("3 of 10");
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void anAnswerSayingCloseEndsTheKeptConnection() throws Exception {
        String closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
        try (CannedServer server = new CannedServer(answer(closing));
                Http1Client client = Http1Client.keepAlive(server.address())) {
            client.send(Http1Request.get("shop:8080", "/"), TIMEOUT);
            client.send(Http1Request.get("shop:8080", "/"), TIMEOUT);

            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void aHeadAnswerHasNoBodyWhateverItsLength() throws Exception {
        try (CannedServer server = new CannedServer(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"))) {
            Http1Response response =
                    Http1Client.perCall(server.address()).send(Http1Request.of("HEAD", "shop:8080", "/"), TIMEOUT);

            assertThat(response.body()).isEmpty();
            assertThat(response.header("content-length")).isEqualTo("5");
        }
    }

    @Test
    void valuesCannotInjectLinesAndTheClientWritesFramingHeadersItself() {
        assertThatThrownBy(() -> Http1Request.get("a:1", "/").withHeader("end-user", "jason\r\nx-evil: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("end-user");
        assertThatThrownBy(() -> Http1Request.get("a:1", "/").withHeader("Host", "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Host from the authority");
        assertThatThrownBy(() -> Http1Request.get("a:1", "/x y")).hasMessageContaining("target");
        assertThatThrownBy(() -> Http1Request.get("a:1", "/").withHeaders("odd"))
                .hasMessageContaining("name, value pairs");
        assertThatThrownBy(() -> new ForwardedHeaders(Map.of("end-user", "jason\r\nx-evil: 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("end-user");
        assertThat(ForwardedHeaders.from(name -> name.equals("end-user") ? "a\nb" : null)
                        .values())
                .isEmpty();
        assertThatThrownBy(() -> Upstream.RATINGS.get("ratings/0", ForwardedHeaders.NONE))
                .hasMessageContaining("origin-form");
    }

    @Test
    void pathSegmentsAreEncoded() {
        assertThat(PathSegment.encode("0")).isEqualTo("0");
        assertThat(PathSegment.encode("../x y?")).isEqualTo("..%2Fx%20y%3F");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
