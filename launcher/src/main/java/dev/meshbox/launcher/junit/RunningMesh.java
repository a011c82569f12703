package dev.meshbox.launcher.junit;

import dev.meshbox.launcher.addons.ZipkinAddon;
import dev.meshbox.launcher.addons.ZipkinJar;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A started mesh as the extension keeps it in the {@link ExtensionContext.Store}: the store closes it when its test
 * class (or test method, for a scenario's own mesh) is done, even after a failure. It also remembers which config is
 * the class's baseline and whether a test changed it, so resetting between tests costs nothing when nothing changed.
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit before 5.13 closes only those; 5.13+ closes AutoCloseable
final class RunningMesh implements AutoCloseable, ExtensionContext.Store.CloseableResource {

    private final MeshAccess access;
    private final AutoCloseable backend;
    private final MeshSettings settings;
    private final java.util.Optional<ZipkinAddon> zipkin;
    private final Set<String> runPrefixes = ConcurrentHashMap.newKeySet();
    private final CopyOnWriteArrayList<MeshAccess.ConfigText> baseline = new CopyOnWriteArrayList<>();
    private final AtomicBoolean changed = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningMesh(
            MeshAccess access, AutoCloseable backend, MeshSettings settings, java.util.Optional<ZipkinAddon> zipkin) {
        this.zipkin = zipkin;
        this.access = access;
        this.backend = backend;
        this.settings = settings;
    }

    /** Starts the mesh the settings describe and returns once every proxy is ready and has ACKed its config. */
    static RunningMesh start(MeshSettings settings) {
        // Per-pod progress goes to a buffer: a test log wants one line, unless starting fails and the lines say where.
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        try (PrintStream out = new PrintStream(progress, true, StandardCharsets.UTF_8)) {
            MeshSpec spec = MeshSpec.of(settings.workloads());
            java.util.Optional<ZipkinAddon> zipkin = settings.tracing()
                    ? java.util.Optional.of(new ZipkinAddon(ZipkinJar.resolve(out), false))
                    : java.util.Optional.empty();
            StartedMesh mesh = settings.clusters().isEmpty()
                    ? Backends.startIsolated(
                            settings.target(),
                            zipkin.map(z -> z.addTo(spec)).orElse(spec),
                            settings.seed(),
                            settings.meshConfig(),
                            out)
                    : dev.meshbox.launcher.start.MultiClusterStart.startIsolated(
                            settings.target(),
                            settings.clusters(),
                            settings.model(),
                            settings.seed(),
                            settings.meshConfig(),
                            out);
            System.out.printf(
                    java.util.Locale.ROOT,
                    "MeshBox: %s mesh for %s ready in %.1f s: %s, ingress %s%n",
                    settings.backend(),
                    settings.origin(),
                    (System.nanoTime() - t0) / 1e9,
                    settings.describe(),
                    hostPort(mesh.ingress()));
            return new RunningMesh(mesh, mesh, settings, zipkin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the mesh for " + settings.origin(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "the mesh for " + settings.origin() + " (" + settings.describe() + ") did not start: "
                            + e.getMessage() + "\n"
                            + progress.toString(StandardCharsets.UTF_8).stripTrailing(),
                    e);
        }
    }

    static String hostPort(java.net.InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Zipkin's address when the mesh was started with tracing. */
    java.util.Optional<java.net.InetSocketAddress> zipkin() {
        return Backends.zipkin(zipkin, backend);
    }

    MeshAccess access() {
        return access;
    }

    MeshSettings settings() {
        return settings;
    }

    OptionalLong seed() {
        return settings.seed();
    }

    /** Whether a scenario with these workloads and seed can run here instead of on a mesh of its own. */
    boolean fits(List<Scenario.Workload> workloads, java.util.Optional<Long> seed) {
        boolean seedFits =
                seed.isEmpty() || settings.seed().isPresent() && settings.seed().getAsLong() == seed.get();
        return seedFits && settings.workloads().containsAll(workloads);
    }

    /**
     * A run-id prefix no earlier test of this mesh used, so request ids stay unique in the proxies' access logs when a
     * test repeats ({@code @RepeatedTest}) and stay the same from run to run (what makes a seeded run replay exactly).
     */
    String claimRunPrefix(String base) {
        if (runPrefixes.add(base)) {
            return base;
        }
        for (int n = 2; ; n++) {
            if (runPrefixes.add(base + "#" + n)) {
                return base + "#" + n;
            }
        }
    }

    /** Records applied config: the class's baseline survives {@link #reset()}, a test's does not. */
    void applied(List<MeshAccess.ConfigText> config, Mesh.Scope scope) {
        if (scope == Mesh.Scope.CLASS) {
            baseline.addAllAbsent(config);
        } else {
            changed.set(true);
        }
    }

    /**
     * Removes all applied config, the class's too: a scenario expects the mesh as {@code meshbox run} starts it. The
     * next test gets the class's baseline back.
     */
    void clearForScenario() {
        access.resetConfig();
        changed.set(true);
    }

    /** Back to the class's baseline, if a test changed the config since the last reset. */
    void resetIfChanged() {
        if (changed.getAndSet(false)) {
            reset();
        }
    }

    /** Deletes every applied resource, then re-applies what the class applied in {@code @BeforeAll}. */
    void reset() {
        changed.set(false);
        access.resetConfig();
        if (!baseline.isEmpty()) {
            MeshAccess.ApplyOutcome outcome = access.apply(List.copyOf(baseline));
            if (!outcome.ok()) {
                throw new IllegalStateException("re-applying the class's config failed: " + outcome.problems());
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (closed.compareAndSet(false, true)) {
            backend.close();
        }
    }
}
