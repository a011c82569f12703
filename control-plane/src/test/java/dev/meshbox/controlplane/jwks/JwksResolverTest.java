package dev.meshbox.controlplane.jwks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** istiod's JWKS fetching: once, cached, again when stale; the last good document survives a failed fetch. */
class JwksResolverTest {

    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> document = new AtomicReference<>("{\"keys\":[]}");
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
    private HttpServer server;
    private String uri;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            String body = document.get();
            if (body == null) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
        uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private JwksResolver resolver() {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        return new JwksResolver(clock, Duration.ofMinutes(20));
    }

    @Test
    void aDocumentIsFetchedOnceThenServedFromTheCacheUntilStale() {
        JwksResolver r = resolver();
        assertThat(r.resolve(List.of(uri))).containsEntry(uri, "{\"keys\":[]}");
        assertThat(r.resolve(List.of(uri))).containsEntry(uri, "{\"keys\":[]}");
        assertThat(fetches).hasValue(1);

        document.set("{\"keys\":[{}]}");
        now.set(now.get().plus(Duration.ofMinutes(20)));
        assertThat(r.resolve(List.of(uri))).containsEntry(uri, "{\"keys\":[{}]}");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void aFailedRefreshKeepsTheLastGoodDocumentAndAnUnreachableUriIsLeftOut() {
        JwksResolver r = resolver();
        r.resolve(List.of(uri));
        document.set(null);
        now.set(now.get().plus(Duration.ofHours(1)));

        assertThat(r.resolve(List.of(uri))).containsEntry(uri, "{\"keys\":[]}");
        assertThat(r.resolve(List.of("http://127.0.0.1:1/none.json"))).isEmpty();
    }

    @Test
    void aJustFailedUriRestsForResolveButRefreshRetriesItAndReportsTheChange() {
        JwksResolver r = resolver();
        document.set(null);
        assertThat(r.resolve(List.of(uri))).isEmpty();
        document.set("{\"keys\":[]}");
        assertThat(r.resolve(List.of(uri))).as("resting after the failure").isEmpty();
        assertThat(fetches).hasValue(1);

        assertThat(r.refresh(List.of(uri))).isTrue();
        assertThat(r.resolve(List.of(uri))).containsEntry(uri, "{\"keys\":[]}");
        assertThat(r.refresh(List.of(uri))).as("fresh: nothing to do").isFalse();
        assertThat(fetches).hasValue(2);
    }
}
