package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The applied Istio resources. Each apply is validated first, then swapped in whole; readers always see one
 * consistent {@link Snapshot}. Listeners hear about every successful change before the apply returns (the control
 * plane rebuilds then; see {@link #onChange}).
 */
public final class ConfigStore implements ConfigWriter {

    /**
     * An immutable view of the store at one generation.
     *
     * @param created the generation each resource was created at: Istio orders by creation time where resources
     *     compete (the first VirtualService for a host wins on sidecars; a gateway's merged routes and HTTPRoutes
     *     follow the oldest first); a resource missing here counts as the oldest
     */
    public record Snapshot(long generation, Map<ResourceKey, IstioResource> resources, Map<ResourceKey, Long> created) {

        public Snapshot(long generation, Map<ResourceKey, IstioResource> resources) {
            this(generation, resources, Map.of());
        }

        /** When {@code key} was created (a generation), 0 when unknown. */
        public long created(ResourceKey key) {
            return created.getOrDefault(key, 0L);
        }

        public <T extends IstioResource> List<T> all(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (IstioResource r : resources.values()) {
                if (type.isInstance(r)) {
                    out.add(type.cast(r));
                }
            }
            return out;
        }
    }

    private final IstioParser parser = new IstioParser();
    private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot current = new Snapshot(0, Map.of());
    private volatile Set<String> tracingProviders = Set.of("zipkin");

    /**
     * The provider names a Telemetry's {@code tracing[].providers} may use: the mesh config's extension providers and
     * the default {@code zipkin} ({@link TelemetryProviders}).
     */
    public void tracingProviders(Set<String> names) {
        tracingProviders = Set.copyOf(names);
    }

    public Snapshot snapshot() {
        return current;
    }

    /** Calls {@code listener} with each new snapshot, before the change that made it returns (see {@link #publish}). */
    public void onChange(Consumer<Snapshot> listener) {
        listeners.add(listener);
    }

    /** Parses and applies documents from several sources at once; all or nothing. */
    @Override
    public ApplyResult apply(List<Source> sources) {
        return applyOrCheck(sources, true);
    }

    /**
     * What {@link #apply(List)} would do, without doing it ({@code kubectl apply --dry-run=server}): the changes, or
     * the problems. A writer that stores config elsewhere first (Istio's custom resources) checks with this.
     */
    public ApplyResult check(List<Source> sources) {
        return applyOrCheck(sources, false);
    }

    private ApplyResult applyOrCheck(List<Source> sources, boolean publish) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<IstioResource> parsed = new ArrayList<>();
        for (Source s : sources) {
            ParseResult r = parser.parse(s.name(), s.text());
            problems.addAll(r.problems());
            parsed.addAll(r.resources());
        }
        if (!problems.isEmpty()) {
            return new ApplyResult(List.of(), List.copyOf(problems));
        }
        return commit(parsed, publish);
    }

    public ApplyResult apply(String source, String text) {
        return apply(List.of(new Source(source, text)));
    }

    private synchronized ApplyResult commit(List<IstioResource> parsed, boolean publish) {
        Map<ResourceKey, IstioResource> next = new TreeMap<>(current.resources());
        Map<ResourceKey, Long> created = new TreeMap<>(current.created());
        List<ApplyResult.Change> changes = new ArrayList<>();
        for (IstioResource r : parsed) {
            IstioResource old = next.put(r.meta().key(), r);
            if (old == null) {
                created.put(r.meta().key(), current.generation() + 1);
            }
            ApplyResult.Action action = old == null
                    ? ApplyResult.Action.CREATED
                    : sameSpec(old, r) ? ApplyResult.Action.UNCHANGED : ApplyResult.Action.CONFIGURED;
            changes.add(new ApplyResult.Change(r.meta().key(), action));
        }
        List<ConfigProblem> problems = new ArrayList<>(CrossValidation.check(parsed, next.values()));
        problems.addAll(TelemetryProviders.check(parsed, tracingProviders));
        if (!problems.isEmpty()) {
            return new ApplyResult(List.of(), problems);
        }
        if (publish) {
            publish(next, created, changes);
        }
        return new ApplyResult(List.copyOf(changes), List.of());
    }

    /** Deletes resources by key; unknown keys are reported as problems and nothing is deleted. */
    @Override
    public synchronized ApplyResult delete(List<ResourceKey> keys) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (ResourceKey k : keys) {
            if (!current.resources().containsKey(k)) {
                problems.add(new ConfigProblem("delete", k.toString(), "", "not found"));
            }
        }
        if (!problems.isEmpty()) {
            return new ApplyResult(List.of(), problems);
        }
        Map<ResourceKey, IstioResource> next = new TreeMap<>(current.resources());
        Map<ResourceKey, Long> created = new TreeMap<>(current.created());
        List<ApplyResult.Change> changes = new ArrayList<>();
        for (ResourceKey k : keys) {
            next.remove(k);
            created.remove(k);
            changes.add(new ApplyResult.Change(k, ApplyResult.Action.DELETED));
        }
        publish(next, created, changes);
        return new ApplyResult(changes, List.of());
    }

    /** Removes everything (tests reset between cases this way). */
    public synchronized void clear() {
        publish(
                new TreeMap<>(),
                Map.of(),
                List.of(new ApplyResult.Change(new ResourceKey("*", "*", "*"), ApplyResult.Action.DELETED)));
    }

    /**
     * Swaps in the next snapshot and tells the listeners, on the caller's thread and, since every caller holds this
     * store's monitor, before the next change can commit. So listeners hear of changes one at a time in commit order,
     * and an apply returns only once they have handled it: the control plane's listener rebuilds and publishes every
     * proxy's snapshot, and a caller of apply can wait for the proxies to ACK it as soon as apply returns. A listener
     * must not write to this store, and must not wait for a thread that does.
     */
    private void publish(
            Map<ResourceKey, IstioResource> next, Map<ResourceKey, Long> created, List<ApplyResult.Change> changes) {
        boolean changed = changes.stream().anyMatch(c -> c.action() != ApplyResult.Action.UNCHANGED);
        if (!changed) {
            return;
        }
        current = new Snapshot(current.generation() + 1, Map.copyOf(next), Map.copyOf(created));
        Snapshot s = current;
        listeners.forEach(l -> l.accept(s));
    }

    private static boolean sameSpec(IstioResource a, IstioResource b) {
        return Objects.equals(a.yaml(), b.yaml());
    }

    /** One named YAML text to apply. */
    public record Source(String name, String text) {}
}
