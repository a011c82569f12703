package dev.meshbox.webui;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every proxy's Prometheus endpoint every {@link #POLL}, keeps the readings of the last {@link #WINDOW}, and
 * answers the graph with rates over that window: the page only polls {@code /api/topology}. Nobody asking for the
 * graph for {@link #IDLE} pauses the readings, so a mesh left running without a browser pays nothing for its UI.
 */
final class Topology implements AutoCloseable {

    static final long POLL = 2_000;
    static final long WINDOW = 10_000;
    static final long IDLE = 30_000;
    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);

    private final UiMesh mesh;
    private final Deque<Scrape> scrapes = new ArrayDeque<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meshbox-ui-telemetry");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, String> unreadable = new LinkedHashMap<>();
    private volatile long lastAsked = System.nanoTime();

    Topology(UiMesh mesh) {
        this.mesh = mesh;
    }

    void start() {
        // The first reading waits one period: at start the mesh's own work comes first.
        poller.scheduleWithFixedDelay(this::poll, POLL, POLL, TimeUnit.MILLISECONDS);
    }

    /** One reading of every proxy; a proxy that does not answer is left out of this reading and reported. */
    void poll() {
        if (System.nanoTime() - lastAsked > IDLE * 1_000_000) {
            synchronized (this) {
                scrapes.clear(); // readings from before the pause would stretch the window over it
            }
            return;
        }
        Map<String, String> texts = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (Pod p : mesh.pods()) {
            try {
                texts.put(p.name(), mesh.prometheus(p));
            } catch (RuntimeException e) {
                failed.put(p.name(), e.getMessage());
            }
        }
        Scrape s = Scrape.of(System.nanoTime(), texts);
        synchronized (this) {
            scrapes.addLast(s);
            while (scrapes.size() > 2 && s.nanos() - scrapes.peekFirst().nanos() > WINDOW * 1_000_000) {
                scrapes.pollFirst();
            }
            unreadable.clear();
            unreadable.putAll(failed);
        }
        if (!failed.isEmpty()) {
            LOG.debug("telemetry not readable from {}", failed);
        }
    }

    /** The graph now, with the telemetry problems of the last reading. */
    Map<String, Object> graph() {
        lastAsked = System.nanoTime();
        boolean none;
        synchronized (this) {
            none = scrapes.isEmpty();
        }
        if (none) {
            poll(); // the first look after a pause: read now, so totals show at once and rates from the next reading
        }
        return render();
    }

    private synchronized Map<String, Object> render() {
        Scrape later = scrapes.peekLast();
        Scrape earlier = scrapes.size() > 1 ? scrapes.peekFirst() : null;
        TrafficGraph.Graph g = TrafficGraph.build(
                mesh.pods(), services(mesh), earlier, later == null ? new Scrape(System.nanoTime(), Map.of()) : later);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodes", g.nodes());
        out.put("edges", g.edges());
        out.put("windowSeconds", Math.round(g.windowSeconds() * 10) / 10.0);
        out.put("pollSeconds", POLL / 1000.0);
        out.put("unreadable", Map.copyOf(unreadable));
        return out;
    }

    /** The services of every cluster's registry, each name once (one name serves from every cluster). */
    static List<MeshService> services(UiMesh mesh) {
        if (mesh.clusters().isEmpty()) {
            return mesh.controlPlane().registry().snapshot().servicesSorted();
        }
        Map<String, MeshService> byName = new java.util.TreeMap<>();
        for (UiCluster c : mesh.clusters()) {
            for (MeshService s : c.mesh().controlPlane().registry().snapshot().servicesSorted()) {
                byName.putIfAbsent(s.namespace() + "/" + s.name(), s);
            }
        }
        return List.copyOf(byName.values());
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
