package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The traces of some requests as Zipkin's own server holds them ({@code GET /api/v2/traces}), found by the
 * {@code guid:x-request-id} tag every proxy puts on its span. Zipkin ingests asynchronously and each proxy posts its
 * spans in batches, so {@link #fetch} polls until every request has a trace and no new span came between two reads,
 * within a bounded deadline.
 */
public final class ZipkinTraces {

    /** The request-id tag of Envoy's spans. */
    public static final String REQUEST_ID_TAG = "guid:x-request-id";

    private static final ObjectMapper JSON = new ObjectMapper();

    static final int SETTLE_MS = 1500;

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param base Zipkin's address, e.g. {@code http://127.12.0.1:9411} */
    public ZipkinTraces(URI base) {
        this.base = base;
    }

    /** One span as Zipkin's v2 API returns it. */
    public record SpanView(
            String traceId,
            String id,
            String parentId,
            String name,
            String kind,
            String service,
            long timestamp,
            Map<String, String> tags) {

        /** Whether this span is of {@code wanted}'s proxy: see {@link ZipkinTraces#serviceMatches}. */
        public boolean of(String wanted) {
            return serviceMatches(service, wanted);
        }

        /**
         * Whether this span calls {@code wanted}: its upstream cluster ({@code outbound|9080|v1|ratings.default.svc...})
         * or, without one (a request that never left, such as a fault abort), its name ({@code ratings.default...:9080/*})
         * names the service.
         */
        public boolean calls(String wanted) {
            String cluster = tags.getOrDefault("upstream_cluster", "");
            String host = "";
            String[] parts = cluster.split("\\|");
            if (parts.length == 4) {
                host = parts[3];
            } else if (name != null) {
                host = name.split("[:/]", 2)[0];
            }
            return !host.isEmpty() && hostMatches(host, wanted);
        }

        /** The span in a report line: {@code reviews.default CLIENT ratings...:9080/* [response_flags=FI]}. */
        public String describe() {
            return service + " " + kind + " " + name
                    + (tags.containsKey("response_flags") ? " response_flags=" + tags.get("response_flags") : "")
                    + (tags.containsKey("http.status_code") ? " status=" + tags.get("http.status_code") : "");
        }
    }

    /** One trace: its spans, and the request id they carry. */
    public record TraceView(String traceId, String requestId, List<SpanView> spans) {

        /** Whether a chain of spans, each below the one before, goes through the services in that order. */
        public boolean passesThrough(List<String> services) {
            return paths().stream().anyMatch(p -> inOrder(p, services));
        }

        /** The services of each path from the trace's root to a leaf, repeated services once. */
        public List<List<String>> paths() {
            Map<String, List<SpanView>> children = new HashMap<>();
            Set<String> ids = new HashSet<>();
            spans.forEach(s -> ids.add(s.id()));
            List<SpanView> roots = new ArrayList<>();
            for (SpanView s : spans) {
                if (s.parentId() == null || !ids.contains(s.parentId())) {
                    roots.add(s);
                } else {
                    children.computeIfAbsent(s.parentId(), k -> new ArrayList<>())
                            .add(s);
                }
            }
            List<List<String>> out = new ArrayList<>();
            for (SpanView root : roots) {
                walk(root, new ArrayList<>(), children, out, 0);
            }
            return out;
        }

        private static void walk(
                SpanView s,
                List<String> path,
                Map<String, List<SpanView>> children,
                List<List<String>> out,
                int depth) {
            List<String> p = new ArrayList<>(path);
            if (p.isEmpty() || !p.get(p.size() - 1).equals(s.service())) {
                p.add(s.service());
            }
            List<SpanView> kids = depth > 64 ? List.of() : children.getOrDefault(s.id(), List.of());
            if (kids.isEmpty()) {
                out.add(p);
            }
            for (SpanView k : kids) {
                walk(k, p, children, out, depth + 1);
            }
        }

        /** The spans of the proxy {@code from} (of that kind, calling {@code to}) having every tag given. */
        public List<SpanView> matching(Scenario.SpanMatch m) {
            return spans.stream()
                    .filter(s -> s.of(m.from()))
                    .filter(s -> m.kind().isEmpty() || m.kind().get().equals(s.kind()))
                    .filter(s -> m.to().isEmpty() || s.calls(m.to().get()))
                    .filter(s -> m.tags().entrySet().stream()
                            .allMatch(e -> e.getValue().equals(s.tags().get(e.getKey()))))
                    .toList();
        }

        /** Every root-to-leaf path, for reports: {@code istio-ingressgateway.istio-system > productpage.default | ...}. */
        public String describePath() {
            List<String> paths =
                    paths().stream().map(p -> String.join(" > ", p)).distinct().toList();
            return paths.isEmpty() ? "(no spans)" : String.join(" | ", paths);
        }
    }

    /**
     * Whether Zipkin's {@code serviceName} ({@code productpage.default}, {@code istio-ingressgateway.istio-system})
     * is the proxy of {@code wanted}: an app label, {@code APP.NAMESPACE}, or {@code ingress} for the ingress gateway.
     */
    public static boolean serviceMatches(String serviceName, String wanted) {
        if (serviceName == null) {
            return false;
        }
        String w = wanted.equals("ingress") ? "istio-ingressgateway" : wanted;
        return serviceName.equals(w) || serviceName.startsWith(w + ".");
    }

    /** Whether {@code wanted} services appear in {@code path} in that order (others may come between). */
    static boolean inOrder(List<String> path, List<String> wanted) {
        int i = 0;
        for (String service : path) {
            if (i < wanted.size() && serviceMatches(service, wanted.get(i))) {
                i++;
            }
        }
        return i == wanted.size();
    }

    static boolean hostMatches(String host, String wanted) {
        return host.equals(wanted) || host.startsWith(wanted + ".");
    }

    /**
     * The traces of the requests with those ids, polling Zipkin until each has a trace and two reads
     * {@value #SETTLE_MS} ms apart see the same spans, or {@code deadline} passes (then what was there).
     */
    public Map<String, TraceView> fetch(Collection<String> requestIds, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        Map<String, TraceView> last = Map.of();
        int lastSpans = -1;
        while (true) {
            Map<String, TraceView> now = read(Set.copyOf(requestIds), deadline);
            int spans = now.values().stream().mapToInt(t -> t.spans().size()).sum();
            boolean all = now.keySet().containsAll(requestIds);
            if (all && spans == lastSpans) {
                return now;
            }
            last = now;
            lastSpans = spans;
            if (System.nanoTime() + SETTLE_MS * 1_000_000L > end) {
                return last;
            }
            Thread.sleep(SETTLE_MS);
        }
    }

    /** One read: the traces of the last {@code lookback} holding a span tagged with one of the ids. */
    Map<String, TraceView> read(Set<String> requestIds, Duration lookback) throws InterruptedException {
        long lookbackMs = Math.max(lookback.toMillis(), Duration.ofMinutes(15).toMillis());
        URI uri = base.resolve("/api/v2/traces?limit=10000&lookback=" + lookbackMs + "&endTs="
                + (System.currentTimeMillis() + 60_000));
        JsonNode root;
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Map.of();
            }
            root = JSON.readTree(r.body());
        } catch (IOException e) {
            return Map.of();
        }
        Map<String, TraceView> out = new LinkedHashMap<>();
        for (JsonNode trace : root) {
            List<SpanView> spans = new ArrayList<>();
            String requestId = null;
            for (JsonNode s : trace) {
                Map<String, String> tags = new LinkedHashMap<>();
                s.path("tags")
                        .fields()
                        .forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
                spans.add(new SpanView(
                        s.path("traceId").asText(),
                        s.path("id").asText(),
                        s.hasNonNull("parentId") ? s.get("parentId").asText() : null,
                        s.path("name").asText(""),
                        s.path("kind").asText(""),
                        s.path("localEndpoint").path("serviceName").asText(""),
                        s.path("timestamp").asLong(),
                        Map.copyOf(tags)));
                String id = tags.get(REQUEST_ID_TAG);
                if (requestId == null && id != null && requestIds.contains(id)) {
                    requestId = id;
                }
            }
            if (requestId != null && !spans.isEmpty()) {
                spans.sort(java.util.Comparator.comparingLong(SpanView::timestamp));
                out.put(requestId, new TraceView(spans.get(0).traceId(), requestId, List.copyOf(spans)));
            }
        }
        return out;
    }

    /** Zipkin's UI page of a trace. */
    public String link(String traceId) {
        return base.resolve("/zipkin/traces/" + traceId).toString();
    }

    public URI base() {
        return base;
    }

    /** Zipkin's address of a UI or API URL such as {@code http://127.12.0.1:9411/zipkin/}. */
    public static Optional<URI> baseOf(String url) {
        try {
            URI u = URI.create(url);
            return Optional.of(URI.create(u.getScheme() + "://" + u.getAuthority()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
