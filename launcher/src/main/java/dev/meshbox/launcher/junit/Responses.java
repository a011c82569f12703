package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.AccessLogQueries;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.ResponseFlag;
import dev.meshbox.scenarios.TrafficDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What came back from {@link Mesh#send}, joined with what the proxies logged about each request: which version of
 * the service served it, the cluster and route the caller's sidecar chose, the response flags, the latency, and how
 * the sender's counters moved. Plain Java, so tests without AssertJ can use it; {@link MeshAssertions} reads it
 * fluently.
 */
public final class Responses {

    /**
     * One request as the mesh handled it.
     *
     * @param status          0 when no response came back ({@code error} says why)
     * @param version         the {@code version} label of the pod of {@link #service()} that served it, {@code none}
     *                        when the request never reached that service
     * @param responseFlags   the flags the sending proxy logged ({@code -} for none, {@code UO}, {@code FI}, ...)
     * @param upstreamCluster the cluster the sending proxy chose, e.g. {@code outbound|9080|v2|reviews.default.svc.cluster.local}
     * @param routeName       the VirtualService route's {@code name}, empty when unnamed
     */
    public record Response(
            String requestId,
            int status,
            Duration latency,
            String error,
            Map<String, String> headers,
            String body,
            String version,
            String responseFlags,
            String upstreamCluster,
            String routeName) {}

    static final String NONE = AccessLogQueries.NOT_SERVED;

    private final Request request;
    private final String runId;
    private final String service;
    private final List<Response> responses;
    private final List<MeshAccess.LogEntry> log;
    private final Counters counters;
    private final Map<String, String> routing;
    private final String subset;
    private final java.util.Optional<java.net.URI> zipkin;
    private volatile Traces traces;

    /** The sender's counters around the send, so increases can be read afterwards. */
    record Counters(String workload, Map<String, Long> before, Map<String, Long> after) {}

    private Responses(
            Request request,
            String runId,
            String service,
            List<Response> responses,
            List<MeshAccess.LogEntry> log,
            Counters counters,
            Map<String, String> routing,
            String subset,
            java.util.Optional<java.net.URI> zipkin) {
        this.zipkin = zipkin;
        this.request = request;
        this.runId = runId;
        this.service = service;
        this.responses = List.copyOf(responses);
        this.log = log;
        this.counters = counters;
        this.routing = routing;
        this.subset = subset;
    }

    /**
     * Joins the driver's results with the access-log entries of the same request ids.
     *
     * @param routing how the proxies that sent requests on route each service they called, by service name
     */
    static Responses of(
            Request request,
            String runId,
            List<TrafficDriver.Result> results,
            List<MeshAccess.LogEntry> log,
            Counters counters,
            Map<String, String> routing) {
        Set<String> ids = new HashSet<>();
        results.forEach(r -> ids.add(r.requestId()));
        List<MeshAccess.LogEntry> mine =
                log.stream().filter(e -> ids.contains(e.requestId())).toList();
        Map<String, MeshAccess.LogEntry> atSource = new HashMap<>();
        for (MeshAccess.LogEntry e : mine) {
            if (AccessLogQueries.atSource(request.from(), e)) {
                atSource.put(e.requestId(), e);
            }
        }
        String service = request.service().isEmpty() ? busiestService(atSource.values()) : request.service();
        Map<String, String> versions = AccessLogQueries.servedBy(service, mine);
        List<Response> out = new ArrayList<>();
        for (TrafficDriver.Result r : results) {
            Optional<MeshAccess.LogEntry> src = Optional.ofNullable(atSource.get(r.requestId()));
            out.add(new Response(
                    r.requestId(),
                    r.status(),
                    Duration.ofNanos(r.nanos()),
                    r.error(),
                    r.headers(),
                    r.body(),
                    versions.getOrDefault(
                            r.requestId(), r.headers().getOrDefault(dev.meshbox.scenarios.TcpTraffic.VERSION, NONE)),
                    src.map(MeshAccess.LogEntry::responseFlags).orElse(""),
                    src.map(MeshAccess.LogEntry::upstreamCluster).orElse(""),
                    src.map(e -> routeName(e.routeName())).orElse("")));
        }
        return new Responses(
                request, runId, service, out, mine, counters, Map.copyOf(routing), "", java.util.Optional.empty());
    }

    /** The same responses, whose {@link #traces()} come from the Zipkin at {@code base}. */
    Responses withZipkin(java.util.Optional<java.net.URI> base) {
        return new Responses(request, runId, service, responses, log, counters, routing, subset, base);
    }

    /**
     * The traces of these requests as Zipkin holds them ({@code @MeshTest(tracing = true)}), one per request found by
     * its {@code x-request-id}. Zipkin ingests asynchronously and each proxy posts its spans in batches, so this
     * polls (up to {@value Traces#DEADLINE_SECONDS} s) until every request has a trace and no new span comes; read
     * once, then kept.
     *
     * @throws IllegalStateException when the mesh runs without Zipkin
     */
    public Traces traces() {
        Traces t = traces;
        if (t == null) {
            if (zipkin.isEmpty()) {
                throw new IllegalStateException(
                        "traces(): the mesh runs without Zipkin; use @MeshTest(tracing = true)");
            }
            List<String> ids = responses.stream().map(Response::requestId).toList();
            t = Traces.fetch(new dev.meshbox.scenarios.ZipkinTraces(zipkin.get()), ids);
            traces = t;
        }
        return t;
    }

    // ---- what was sent

    public Request request() {
        return request;
    }

    /** The prefix of the request ids ({@code <run>-0}, {@code <run>-1}, ...), to find them in {@link Mesh#accessLog}. */
    public String runId() {
        return runId;
    }

    /**
     * The service whose versions {@link #versions()} counts: the URL's host, or for a path sent through the ingress the
     * service the gateway routed most requests to (productpage for {@code /productpage}).
     */
    public String service() {
        return service;
    }

    public int count() {
        return responses.size();
    }

    public boolean isEmpty() {
        return responses.isEmpty();
    }

    public List<Response> asList() {
        return responses;
    }

    // ---- views

    /** The same requests, counting the versions of another service they passed through (reviews behind productpage). */
    public Responses forService(String name) {
        Map<String, String> versions = AccessLogQueries.servedBy(name, log);
        List<Response> out = responses.stream()
                .map(r -> new Response(
                        r.requestId(),
                        r.status(),
                        r.latency(),
                        r.error(),
                        r.headers(),
                        r.body(),
                        versions.getOrDefault(r.requestId(), NONE),
                        r.responseFlags(),
                        r.upstreamCluster(),
                        r.routeName()))
                .toList();
        return new Responses(request, runId, name, out, log, counters, routing, subset, zipkin);
    }

    /** Only the responses with this status; counters and routing still describe the whole send. */
    public Responses withStatus(int status) {
        return filter(r -> r.status() == status, "with status " + status);
    }

    Responses filter(Predicate<Response> keep, String what) {
        return new Responses(
                request,
                runId,
                service,
                responses.stream().filter(keep).toList(),
                log,
                counters,
                routing,
                subset.isEmpty() ? what : subset + ", " + what,
                zipkin);
    }

    // ---- counts

    /** How many requests each version of {@link #service()} served, {@code none} for those that never reached it. */
    public Map<String, Integer> versions() {
        return count(Response::version);
    }

    /**
     * How many requests each pod of {@link #service()} served (pods that served none are absent): one key when a
     * consistent hash kept every request on one pod.
     */
    public Map<String, Integer> pods() {
        Map<String, String> byRequest = AccessLogQueries.podsServing(service, log);
        Map<String, Integer> counts = new TreeMap<>();
        responses.forEach(r -> {
            String pod = byRequest.get(r.requestId());
            if (pod != null) {
                counts.merge(pod, 1, Integer::sum);
            }
        });
        return counts;
    }

    /** The share of requests {@code version} of {@link #service()} served, 0 to 1. */
    public double share(String version) {
        return ratio(versions().getOrDefault(version, 0));
    }

    public Map<Integer, Integer> statuses() {
        Map<Integer, Integer> counts = new TreeMap<>();
        responses.forEach(r -> counts.merge(r.status(), 1, Integer::sum));
        return counts;
    }

    public int statusCount(int status) {
        return statuses().getOrDefault(status, 0);
    }

    /** Response flags as the sending proxy logged them ({@code -} for none, an empty key when it logged nothing). */
    public Map<String, Integer> responseFlags() {
        return count(Response::responseFlags);
    }

    /** The clusters the sending proxy chose, with the route name when the VirtualService route has one. */
    public Map<String, Integer> clusters() {
        return count(r -> r.upstreamCluster() + (r.routeName().isEmpty() ? "" : " (route " + r.routeName() + ")"));
    }

    /** The latency at a percentile (0 to 100) of the requests that got a response, nearest rank. */
    public Duration percentile(double p) {
        if (p < 0 || p > 100) {
            throw new IllegalArgumentException("percentile: expected 0 to 100, got " + p);
        }
        List<Duration> sorted = responses.stream()
                .filter(r -> r.status() > 0)
                .map(Response::latency)
                .sorted()
                .toList();
        if (sorted.isEmpty()) {
            throw new IllegalStateException("no response to take a percentile of: " + summary());
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(rank - 1, sorted.size() - 1)));
    }

    /**
     * How much a counter of the sender's proxy rose during the send. {@code stat} is a full name from
     * {@link Mesh#stats} or its last part ({@code upstream_rq_pending_overflow}), then summed over the clusters of
     * {@link #service()} (every subset).
     *
     * @throws IllegalArgumentException when no counter has that name, listing the ones that come close
     */
    public long counterIncrease(String stat) {
        List<String> names = counterNames(stat);
        if (names.isEmpty()) {
            throw new IllegalArgumentException(
                    "no counter " + stat + " on " + sourceName() + " (" + counters.workload() + "); " + "counters of "
                            + (service.isEmpty() ? "its clusters" : service + "'s clusters") + ": " + nearbyCounters());
        }
        long sum = 0;
        for (String n : names) {
            sum += counters.after().getOrDefault(n, 0L) - counters.before().getOrDefault(n, 0L);
        }
        return sum;
    }

    List<String> counterNames(String stat) {
        if (counters.after().containsKey(stat)) {
            return List.of(stat);
        }
        List<String> suffixed = counters.after().keySet().stream()
                .filter(k -> k.endsWith("." + stat))
                .sorted()
                .toList();
        List<String> ofService = suffixed.stream()
                .filter(k -> !service.isEmpty() && k.contains("|" + service + "."))
                .toList();
        return ofService.isEmpty() ? suffixed : ofService;
    }

    private String nearbyCounters() {
        List<String> names = counters.after().keySet().stream()
                .filter(k -> k.startsWith("cluster.") && (service.isEmpty() || k.contains("|" + service + ".")))
                .map(k -> k.substring(
                        k.lastIndexOf(".svc.cluster.local.") < 0 ? 0 : k.lastIndexOf(".svc.cluster.local.") + 19))
                .distinct()
                .sorted()
                .toList();
        return names.isEmpty() ? "none (see Mesh.stats(\"" + counters.workload() + "\"))" : String.join(", ", names);
    }

    // ---- explanation

    /** {@code 1000 x GET http://reviews:9080/reviews/0 from productpage}, with the subset when filtered. */
    public String summary() {
        return responses.size() + " x " + request.describe() + (subset.isEmpty() ? "" : " (" + subset + ")");
    }

    /**
     * Everything a reader needs to see why a check failed: versions served, status codes, the clusters and route the
     * sender chose and how its proxy routes the service, the response flags with their meaning, latencies.
     */
    public String explain() {
        StringBuilder sb = new StringBuilder(summary())
                .append(", request ids ")
                .append(runId)
                .append("-N\n");
        int total = responses.size();
        if (!service.isEmpty()) {
            Map<String, Integer> v = versions();
            line(
                    sb,
                    "served by " + service,
                    describe(v, total)
                            + (v.containsKey(NONE)
                                    ? " (none: the request never reached " + service + "; see the flags)"
                                    : ""));
        }
        Map<String, Integer> statuses = new TreeMap<>();
        statuses().forEach((k, n) -> statuses.put(k == 0 ? "000 (no response)" : k.toString(), n));
        line(sb, "status codes", describe(statuses, total));
        Map<String, Integer> clusters = clusters();
        clusters.remove("");
        line(
                sb,
                sourceName() + " chose",
                clusters.isEmpty() ? "nothing logged for these request ids" : describe(clusters, total));
        Map<String, Integer> hosts = UpstreamHosts.sentTo(
                request.from(),
                service,
                responses.stream().map(Response::requestId).collect(java.util.stream.Collectors.toSet()),
                log);
        if (!hosts.isEmpty()) {
            line(sb, sourceName() + " sent to", describe(hosts, total));
        }
        boolean calledDirectly = responses.stream()
                .anyMatch(r -> AccessLogQueries.serviceOf(r.upstreamCluster()).equals(service));
        if (!service.isEmpty() && !calledDirectly) {
            line(sb, "calls to " + service, describe(callsTo(service), total));
        }
        if (routing.containsKey(service)) {
            line(sb, "routing for " + service, routing.get(service));
        }
        Map<String, Integer> flags = new TreeMap<>();
        responses.stream()
                .filter(r -> !r.responseFlags().isEmpty())
                .forEach(r -> flags.merge(ResponseFlag.describe(r.responseFlags()), 1, Integer::sum));
        line(sb, "flags at " + sourceName(), flags.isEmpty() ? "nothing logged" : describe(flags, total));
        Set<String> ids = new HashSet<>();
        responses.forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> denials = AccessLogQueries.authorizationDenials(ids, log);
        if (!denials.isEmpty()) {
            line(sb, "authorization", describe(denials, total));
        }
        if (responses.stream().anyMatch(r -> r.status() > 0)) {
            line(
                    sb,
                    "latency",
                    String.format(
                            Locale.ROOT,
                            "p50 %s, p90 %s, p99 %s, max %s",
                            millis(percentile(50)),
                            millis(percentile(90)),
                            millis(percentile(99)),
                            millis(percentile(100))));
        }
        responses.stream()
                .map(Response::error)
                .filter(Objects::nonNull)
                .findFirst()
                .ifPresent(e -> line(sb, "first error", e));
        return sb.toString().stripTrailing();
    }

    /** The clusters the proxies in the middle chose for {@code name} (reviews, as productpage's sidecar called it). */
    private Map<String, Integer> callsTo(String name) {
        Set<String> ids = new HashSet<>();
        responses.forEach(r -> ids.add(r.requestId()));
        Map<String, Integer> counts = new TreeMap<>();
        for (MeshAccess.LogEntry e : log) {
            if ("outbound".equals(e.direction())
                    && ids.contains(e.requestId())
                    && AccessLogQueries.serviceOf(e.upstreamCluster()).equals(name)) {
                String route = routeName(e.routeName());
                counts.merge(
                        e.upstreamCluster() + (route.isEmpty() ? "" : " (route " + route + ")") + " by "
                                + e.podLabels().getOrDefault("app", e.pod()) + "'s sidecar",
                        1,
                        Integer::sum);
            }
        }
        return counts;
    }

    @Override
    public String toString() {
        return summary();
    }

    /** {@code productpage's sidecar} or {@code the ingress gateway}. */
    String sourceName() {
        return request.from().equals(Request.INGRESS) ? "the ingress gateway" : request.from() + "'s sidecar";
    }

    double ratio(int n) {
        return responses.isEmpty() ? 0 : (double) n / responses.size();
    }

    private <K> Map<K, Integer> count(java.util.function.Function<Response, K> key) {
        Map<K, Integer> counts = new TreeMap<>();
        responses.forEach(r -> counts.merge(key.apply(r), 1, Integer::sum));
        return counts;
    }

    private static void line(StringBuilder sb, String label, String text) {
        sb.append("  ").append(label).append(": ").append(text).append('\n');
    }

    static <K> String describe(Map<K, Integer> counts, int total) {
        if (counts.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((k, n) -> parts.add(k + " " + n + "/" + total));
        return String.join(", ", parts);
    }

    private static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
    }

    // ---- joining with the access log

    private static String busiestService(java.util.Collection<MeshAccess.LogEntry> entries) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        entries.forEach(e -> counts.merge(AccessLogQueries.serviceOf(e.upstreamCluster()), 1, Integer::sum));
        counts.remove("");
        return counts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse("");
    }

    private static String routeName(String name) {
        return name == null || name.equals("-") ? "" : name;
    }
}
