package dev.meshbox.bookinfo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a raw socket server that answers with canned bytes. */
class MeshClientTest {
    private final ServerSocket server;
    private final CompletableFuture<String> requestHead = new CompletableFuture<>();

    MeshClientTest() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    @Test
    void sendsOriginFormWithServiceHostAndForwardedHeaders() throws Exception {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");

        MeshResponse response = client().get(
                        Upstream.REVIEWS,
                        "/reviews/0",
                        new ForwardedHeaders(Map.of("x-request-id", "r1")),
                        Duration.ofSeconds(2));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("{}");
        assertThat(requestHead.get(2, TimeUnit.SECONDS))
                .startsWith("GET /reviews/0 HTTP/1.1\r\nHost: reviews:9080\r\n")
                .contains("x-request-id: r1\r\n")
                .endsWith("Connection: close\r\n\r\n");
    }

    @Test
    void readsChunkedBodiesWithExtensionsAndTrailers() throws Exception {
        answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n");

        MeshResponse response =
                client().get(Upstream.DETAILS, "/details/0", ForwardedHeaders.NONE, Duration.ofSeconds(2));

        assertThat(response.bodyText()).isEqualTo("hello, world");
    }

    @Test
    void skipsInterimResponsesAndReadsToCloseWithoutLength() throws Exception {
        answer(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nServer: envoy\r\n\r\nno healthy upstream");

        MeshResponse response =
                client().get(Upstream.RATINGS, "/ratings/0", ForwardedHeaders.NONE, Duration.ofSeconds(2));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("server")).hasValue("envoy");
        assertThat(response.bodyText()).isEqualTo("no healthy upstream");
    }

    @Test
    void truncatedBodyIsAnError() {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");

        assertThatThrownBy(() ->
                        client().get(Upstream.RATINGS, "/ratings/0", ForwardedHeaders.NONE, Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("3 of 10");
    }

    @Test
    void timeoutBoundsTheWholeResponseNotEachRead() {
        // One byte every 150 ms never trips a per-read timeout; the total deadline must.
        serveOnce(out -> {
            byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            for (int i = 0; i < 100; i++) {
                out.write('x');
                out.flush();
                sleep(150);
            }
        });

        long start = System.nanoTime();
        assertThatThrownBy(() ->
                        client().get(Upstream.RATINGS, "/ratings/0", ForwardedHeaders.NONE, Duration.ofMillis(700)))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("ratings:9080")
                .hasMessageContaining("700 ms");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).isBetween(650L, 1500L);
    }

    @Test
    void refusedConnectionIsAnError() throws IOException {
        InetSocketAddress address = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        server.close();

        assertThatThrownBy(() -> new MeshClient(address)
                        .get(Upstream.RATINGS, "/ratings/0", ForwardedHeaders.NONE, Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void headerValuesCannotInjectLines() {
        assertThatThrownBy(() -> new ForwardedHeaders(Map.of("end-user", "jason\r\nx-evil: 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("end-user");
        assertThat(ForwardedHeaders.from(name -> name.equals("end-user") ? "a\nb" : null)
                        .values())
                .isEmpty();
    }

    @Test
    void pathSegmentsAreEncoded() {
        assertThat(PathSegment.encode("0")).isEqualTo("0");
        assertThat(PathSegment.encode("../x y?")).isEqualTo("..%2Fx%20y%3F");
    }

    private MeshClient client() {
        return new MeshClient(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
    }

    private void answer(String response) {
        serveOnce(out -> out.write(response.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private void serveOnce(Writer writer) {
        Thread thread = new Thread(
                () -> {
                    try (Socket socket = server.accept()) {
                        requestHead.complete(readHead(socket.getInputStream()));
                        writer.write(socket.getOutputStream());
                        socket.getOutputStream().flush();
                    } catch (IOException e) {
                        requestHead.completeExceptionally(e);
                    }
                },
                "canned-server");
        thread.setDaemon(true);
        thread.start();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.write(c);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
