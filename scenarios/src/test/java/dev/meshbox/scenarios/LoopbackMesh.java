package dev.meshbox.scenarios;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest mesh the scenario runner can drive, for its own tests: one real HTTP server on loopback plays the
 * ingress gateway and every sidecar's outbound listener, and the {@code reviews} versions behind them. Traffic really
 * goes over sockets through the driver; what the server answers and logs follows the config applied, in the shape the
 * proxies' access logs have.
 *
 * <ul>
 *   <li>Applied text containing {@code weight: 10} splits reviews 90/10 by request number (every tenth to v2);
 *       otherwise v1 serves everything.
 *   <li>Text containing {@code abort} makes the gateway answer 503 itself with flag {@code FI}.
 *   <li>Text containing {@code weight: -1} is rejected, as the control plane rejects a negative weight.
 *   <li>{@code POST /login} answers a session cookie, as productpage does.
 * </ul>
 */
final class LoopbackMesh implements MeshAccess, AutoCloseable {

    static final String REQUESTS_STAT = "cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final List<String> applied = new CopyOnWriteArrayList<>();
    private final List<LogEntry> log = new CopyOnWriteArrayList<>();
    private final List<String> hosts = new CopyOnWriteArrayList<>();
    private final List<String> methods = new CopyOnWriteArrayList<>();
    private final Map<String, String> cookies = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();

    LoopbackMesh() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String host = exchange.getRequestHeaders().getFirst("Host");
            hosts.add(host);
            methods.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (exchange.getRequestURI().getPath().equals("/login")) {
                exchange.getResponseHeaders().add("Set-Cookie", "session=logged-in; Path=/");
                answer(exchange, 200, "welcome");
                return;
            }
            if (exchange.getRequestURI().getPath().startsWith("/moved")) {
                // Absolute, then relative, as a route's redirect can be: /moved/abs -> /moved/rel -> /reviews/0.
                boolean abs = exchange.getRequestURI().getPath().equals("/moved/abs");
                exchange.getResponseHeaders()
                        .add("Location", abs ? "http://reviews.example.com/moved/rel" : "/reviews/0?from=moved");
                answer(exchange, abs ? 301 : 302, "");
                return;
            }
            String id = exchange.getRequestHeaders().getFirst("x-request-id");
            cookies.put(id, String.valueOf(exchange.getRequestHeaders().getFirst("Cookie")));
            requests.incrementAndGet();
            String config = String.join("\n", applied);
            if (config.contains("abort")) {
                log.add(entry("istio-ingressgateway-1", GATEWAY, "outbound", id, 503, "FI", ""));
                answer(exchange, 503, "fault filter abort");
                return;
            }
            String version = config.contains("weight: 10") && sequence(id) % 10 == 9 ? "v2" : "v1";
            String cluster = "outbound|9080|" + version + "|reviews.default.svc.cluster.local";
            log.add(entry("istio-ingressgateway-1", GATEWAY, "outbound", id, 200, "-", cluster));
            log.add(entry(
                    "reviews-" + version + "-1",
                    Map.of("app", "reviews", "version", version),
                    "inbound",
                    id,
                    200,
                    "-",
                    "inbound|9080||"));
            exchange.getResponseHeaders().add("x-served-by", "reviews-" + version);
            answer(exchange, 200, "reviews " + version);
        }
    }

    private static final Map<String, String> GATEWAY = Map.of("istio", "ingressgateway", "app", "istio-ingressgateway");

    private static LogEntry entry(
            String pod,
            Map<String, String> labels,
            String direction,
            String id,
            int code,
            String flags,
            String cluster) {
        return new LogEntry(pod, labels, direction, id, code, flags, cluster, "", 1, "reviews:9080");
    }

    private static int sequence(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The Host of every request received, in order. */
    List<String> hosts() {
        return List.copyOf(hosts);
    }

    /** The method and URI of every request received, in order. */
    List<String> requestLines() {
        return List.copyOf(methods);
    }

    /** The Cookie header each request id arrived with ("null" when none). */
    Map<String, String> cookies() {
        return Map.copyOf(cookies);
    }

    /** The config texts applied so far, in order. */
    List<String> applied() {
        return List.copyOf(applied);
    }

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        List<String> problems = new ArrayList<>();
        for (ConfigText c : config) {
            if (c.text().contains("weight: -1")) {
                problems.add(c.name() + ": VirtualService default/reviews: spec.http[0].route[0].weight: "
                        + "must be >= 0, got -1");
            }
        }
        if (!problems.isEmpty()) {
            return new ApplyOutcome(List.of(), problems);
        }
        config.forEach(c -> applied.add(c.text()));
        return new ApplyOutcome(
                config.stream().map(c -> c.name() + " configured").toList(), List.of());
    }

    @Override
    public void resetConfig() {
        applied.clear();
    }

    @Override
    public InetSocketAddress ingress() {
        return server.getAddress();
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        return server.getAddress();
    }

    @Override
    public List<LogEntry> accessLog() {
        return List.copyOf(log);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        return Map.of(REQUESTS_STAT, requests.get());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
