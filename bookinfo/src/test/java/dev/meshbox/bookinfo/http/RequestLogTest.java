package dev.meshbox.bookinfo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.JavalinWorkload;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A log of three behind a bare app, so that dropping the oldest shows after a handful of requests. */
class RequestLogTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final AppContext APP = new AppContext(
            "echo",
            "v1",
            "echo-v1-test",
            "default",
            new InetSocketAddress(LOOPBACK, 0),
            new InetSocketAddress(LOOPBACK, 15001));

    @Test
    void keepsTheNewestRequestsAndCountsAll() throws IOException {
        Clock fixed = Clock.fixed(Instant.parse("2025-01-31T12:00:00Z"), ZoneOffset.UTC);
        RequestLog log = new RequestLog(APP.identity(), 3, fixed);
        JsonReplies replies = new JsonReplies(new ObjectMapper());
        try (JavalinWorkload app = new JavalinWorkload(APP, routes -> log.install(routes, replies))) {
            app.start();
            for (int i = 1; i <= 5; i++) {
                assertThat(get(app, "/page/" + i)).startsWith("HTTP/1.1 404");
            }

            RequestLog.Snapshot snapshot = log.snapshot();

            assertThat(snapshot.received()).isEqualTo(5);
            assertThat(snapshot.capacity()).isEqualTo(3);
            assertThat(snapshot.requests())
                    .extracting(ReceivedRequest::path)
                    .containsExactly("/page/3", "/page/4", "/page/5");
            assertThat(snapshot.requests()).extracting(ReceivedRequest::seq).containsExactly(3L, 4L, 5L);
            assertThat(snapshot.requests().get(0).receivedAt()).isEqualTo("2025-01-31T12:00:00Z");
            assertThat(snapshot.requests().get(0).host()).isEqualTo("echo.test:80");

            log.clear();
            get(app, "/after");

            assertThat(log.snapshot().requests())
                    .singleElement()
                    .satisfies(r -> assertThat(r.seq()).isEqualTo(6));
        }
    }

    @Test
    void capacityMustBePositive() {
        assertThatThrownBy(() -> new RequestLog(APP.identity(), 0, Clock.systemUTC()))
                .hasMessage("request log capacity: must be >= 1, got 0");
    }

    private static String get(JavalinWorkload app, String path) throws IOException {
        try (Socket socket =
                new Socket(app.address().getAddress(), app.address().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: echo.test:80\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
