package dev.meshbox.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.proxy.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reporter against a tiny collector on loopback speaking Zipkin's {@code POST /api/v2/spans}: spans arrive as a
 * JSON v2 array; an unreachable or unknown collector drops and counts them without ever blocking the caller.
 */
class ZipkinReporterTest {

    private static final String CLUSTER = "outbound|9411||zipkin.istio-system.svc.cluster.local";

    private HttpServer collector;
    private ZipkinReporter reporter;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (reporter != null) {
            reporter.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
    }

    private InetSocketAddress startCollector(int status) throws IOException {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            paths.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                            + exchange.getRequestHeaders().getFirst("Content-Type"));
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        collector.start();
        return collector.getAddress();
    }

    static Span span(int i) {
        return new Span(
                "463ac35c9f6413ad48485a3953bb6124",
                String.format("%016x", i + 1),
                null,
                "productpage.default.svc.cluster.local:9080/productpage",
                Span.Kind.CLIENT,
                1_764_900_000_000_000L + i,
                1500,
                "istio-ingressgateway.istio-system",
                "127.0.0.5",
                Map.of(
                        "http.status_code",
                        "200",
                        "upstream_cluster",
                        "outbound|9080||productpage.default.svc.cluster.local"));
    }

    @Test
    void spansArriveAtTheCollectorAsAJsonV2Array() throws IOException {
        InetSocketAddress address = startCollector(202);
        reporter = new ZipkinReporter(c -> c.equals(CLUSTER) ? address : null, Duration.ofSeconds(5), "test-zipkin");
        for (int i = 0; i < 5; i++) {
            reporter.report(CLUSTER, "/api/v2/spans", span(i));
        }
        Await.until(
                Duration.ofSeconds(10), () -> reporter.stats().get("tracing.zipkin.spans_sent") == 5, "5 spans sent");
        assertThat(paths).allMatch(p -> p.equals("POST /api/v2/spans application/json"));
        String all = String.join("", bodies);
        assertThat(all).startsWith("[{\"traceId\":\"463ac35c9f6413ad48485a3953bb6124\"");
        assertThat(all)
                .contains("\"kind\":\"CLIENT\"")
                .contains(
                        "\"localEndpoint\":{\"serviceName\":\"istio-ingressgateway.istio-system\",\"ipv4\":\"127.0.0.5\"}")
                .contains("\"tags\":{\"http.status_code\":\"200\"");
        assertThat(reporter.stats()).containsEntry("tracing.zipkin.spans_dropped", 0L);
    }

    @Test
    void anUnreachableCollectorDropsAndCountsWithoutBlocking() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort);
        reporter = new ZipkinReporter(c -> nobody, Duration.ofSeconds(1), "test-zipkin");
        for (int i = 0; i < 10_000; i++) {
            reporter.report(CLUSTER, "/api/v2/spans", span(i)); // a full queue drops, never waits
        }
        Await.until(
                Duration.ofSeconds(15),
                () -> reporter.stats().get("tracing.zipkin.reports_failed") >= 1,
                "a failed report");
        Await.until(
                Duration.ofSeconds(15),
                () -> reporter.stats().get("tracing.zipkin.spans_dropped") >= 10_000 - ZipkinReporter.QUEUE,
                "the overflow dropped");
        assertThat(reporter.stats()).containsEntry("tracing.zipkin.spans_sent", 0L);
    }

    @Test
    void aCollectorRefusingTheReportCountsItDropped() throws IOException {
        InetSocketAddress address = startCollector(500);
        reporter = new ZipkinReporter(c -> address, Duration.ofSeconds(5), "test-zipkin");
        reporter.report(CLUSTER, "/api/v2/spans", span(0));
        Await.until(
                Duration.ofSeconds(10),
                () -> reporter.stats().get("tracing.zipkin.reports_dropped") == 1,
                "a dropped report");
        assertThat(reporter.stats()).containsEntry("tracing.zipkin.spans_dropped", 1L);
    }

    @Test
    void aProxyWithoutTheCollectorClusterSkipsTheReport() {
        reporter = new ZipkinReporter(c -> null, Duration.ofSeconds(5), "test-zipkin");
        reporter.report(CLUSTER, "/api/v2/spans", span(0));
        Await.until(
                Duration.ofSeconds(10),
                () -> reporter.stats().get("tracing.zipkin.reports_skipped_no_cluster") == 1,
                "a skipped report");
        assertThat(reporter.stats()).containsEntry("tracing.zipkin.spans_dropped", 1L);
    }
}
