package dev.meshbox.webui;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The traffic panel's generators: requests at a steady rate for a while, from the ingress or from a workload's sidecar,
 * optionally as a logged-in user, sent with the scenarios' driver. Several may run at once; each can be stopped.
 */
final class TrafficGenerators implements AutoCloseable {

    /** What the panel asks for; {@code target} is a path through the ingress, or a service URL from a sidecar. */
    record Request(String from, String target, String user, Double rate, Double seconds) {}

    /** A generator as the API returns it; {@code state} is running, finished, stopped or error. */
    record View(
            String id,
            String from,
            String target,
            String user,
            double rate,
            double seconds,
            int planned,
            int sent,
            String state,
            Map<String, Integer> statuses,
            String error) {}

    static final double MAX_RATE = 200;
    static final double MAX_SECONDS = 600;

    private final UiMesh mesh;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "meshbox-ui-traffic");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Generator> generators = new LinkedHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    TrafficGenerators(UiMesh mesh) {
        this.mesh = mesh;
    }

    /** Validates and starts; a bad field is a 400 naming it. */
    synchronized View start(Request r) {
        Scenario.Traffic traffic = traffic(r, mesh.pods());
        Generator g = new Generator("gen-" + ids.incrementAndGet(), r, traffic);
        generators.put(g.id, g);
        g.future = pool.submit(() -> g.run(mesh));
        return g.view();
    }

    synchronized List<View> all() {
        List<View> out = new ArrayList<>();
        generators.values().forEach(g -> out.add(g.view()));
        java.util.Collections.reverse(out);
        return out;
    }

    /** A note for a run that starts while generators send: their requests show in the proxies' counters too. */
    synchronized List<String> noteForRun() {
        long running = generators.values().stream()
                .filter(g -> g.state.equals("running"))
                .count();
        return running == 0
                ? List.of()
                : List.of(
                        "note: " + running + " traffic generator" + (running == 1 ? " is" : "s are")
                                + " running; the run checks only its own requests, but counters of the proxies count theirs too");
    }

    synchronized Optional<View> stop(String id) {
        Generator g = generators.get(id);
        if (g == null) {
            return Optional.empty();
        }
        g.stopped = true;
        g.future.cancel(true);
        return Optional.of(g.view());
    }

    /** The request as a scenario's traffic, or a 400 naming the field that is wrong. */
    static Scenario.Traffic traffic(Request r, List<Pod> pods) {
        String from =
                r.from() == null || r.from().isBlank() ? "ingress" : r.from().trim();
        // On a multi-cluster mesh a workload is NAME@CLUSTER (sleep@cluster2, ingress@cluster2); NAME alone is in the
        // first cluster, as scenarios name them.
        int at = from.lastIndexOf('@');
        String name = at < 0 ? from : from.substring(0, at);
        String cluster = at < 0 ? "" : from.substring(at + 1);
        List<String> clusters = pods.stream()
                .map(TrafficGenerators::cluster)
                .filter(c -> !c.isEmpty())
                .distinct()
                .toList();
        if (at >= 0 && !clusters.contains(cluster)) {
            throw ApiException.badRequest("from: \"" + from + "\" names no cluster of this mesh; "
                    + (clusters.isEmpty()
                            ? "it has one cluster, so give the workload without @"
                            : "clusters: " + clusters));
        }
        if (!name.equals("ingress")) {
            Optional<Pod> pod = pods.stream()
                    .filter(p -> p.name().equals(name) || name.equals(p.labels().get("app")))
                    .filter(p -> cluster.isEmpty() || cluster.equals(cluster(p)))
                    .findFirst();
            if (pod.isEmpty() || pod.get().role() != Pod.ProxyKind.SIDECAR) {
                throw ApiException.badRequest("from: \"" + from
                        + "\" is not a workload with a sidecar in this mesh; expected ingress or one of "
                        + pods.stream()
                                .filter(p -> p.role() == Pod.ProxyKind.SIDECAR)
                                .map(p -> clusters.isEmpty() ? p.app() : p.app() + "@" + cluster(p))
                                .distinct()
                                .sorted()
                                .toList());
            }
        }
        String target = r.target() == null ? "" : r.target().trim();
        if (name.equals("ingress") && !target.startsWith("/")) {
            throw ApiException.badRequest(
                    "target: through the ingress, give a path starting with /, e.g. /productpage; got \"" + target
                            + "\"");
        }
        if (!name.equals("ingress") && !target.startsWith("http://")) {
            throw ApiException.badRequest("target: from " + from
                    + "'s sidecar, give a service URL, e.g. http://reviews:9080/reviews/0; got \"" + target + "\"");
        }
        double rate = r.rate() == null ? 10 : r.rate();
        if (!(rate > 0 && rate <= MAX_RATE)) {
            throw ApiException.badRequest(
                    "rate: requests per second, more than 0 and at most " + (int) MAX_RATE + "; got " + r.rate());
        }
        double seconds = r.seconds() == null ? 30 : r.seconds();
        if (!(seconds >= 1 && seconds <= MAX_SECONDS)) {
            throw ApiException.badRequest(
                    "seconds: how long to send, 1 to " + (int) MAX_SECONDS + "; got " + r.seconds());
        }
        Map<String, String> headers = new TreeMap<>();
        if (r.user() != null && !r.user().isBlank()) {
            headers.put("end-user", r.user().trim());
        }
        int count = (int) Math.ceil(rate * seconds);
        int concurrency = (int) Math.max(1, Math.min(8, Math.ceil(rate / 20)));
        return new Scenario.Traffic(
                from, "GET", target, Map.copyOf(headers), count, concurrency, rate, Duration.ofMillis((long)
                        (seconds * 1000)));
    }

    private static String cluster(Pod p) {
        return p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.CLUSTER, "");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private static final class Generator {
        final String id;
        final Request request;
        final Scenario.Traffic traffic;
        volatile int sent;
        volatile boolean stopped;
        volatile String state = "running";
        volatile String error;
        volatile Map<String, Integer> statuses = Map.of();
        Future<?> future;

        Generator(String id, Request request, Scenario.Traffic traffic) {
            this.id = id;
            this.request = request;
            this.traffic = traffic;
        }

        void run(UiMesh mesh) {
            try {
                List<TrafficDriver.Result> results = new TrafficDriver(mesh.access())
                        .send(
                                traffic,
                                "ui-" + id + "-" + Long.toHexString(System.nanoTime() & 0xffffff),
                                n -> sent = n);
                Map<String, Integer> counts = new TreeMap<>();
                results.forEach(x ->
                        counts.merge(x.status() == 0 ? "no response" : Integer.toString(x.status()), 1, Integer::sum));
                statuses = counts;
                state = "finished";
            } catch (InterruptedException e) {
                state = "stopped";
            } catch (RuntimeException e) {
                state = stopped ? "stopped" : "error";
                error = e.getMessage();
            }
        }

        View view() {
            return new View(
                    id,
                    traffic.from(),
                    traffic.url(),
                    request.user() == null ? "" : request.user(),
                    traffic.rate(),
                    traffic.duration().toMillis() / 1000.0,
                    traffic.count(),
                    sent,
                    state,
                    statuses,
                    error);
        }
    }
}
