package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.spec.EndpointSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Envoy's priority levels and locality weighted balancing over one cluster's hosts, as its docs define them
 * ({@code arch_overview/upstream/load_balancing/priority}, {@code panic_threshold} and {@code locality_weight}), with
 * the default overprovisioning factor 1.4.
 *
 * <p>A priority's health is {@code min(100, 1.4 x 100 x healthy / total)} (healthy: EDS healthy and not ejected).
 * Priority 0 takes {@code min(100, health(P0) x 100 / normalized total health)} percent of the requests, each next
 * level the next share of what is left, so a level less than 100/1.4 % healthy spills part of its traffic to the levels
 * below, and a level with no healthy host gives all of it away. Panic is per priority, as Envoy's {@code
 * recalculatePerPriorityPanic}: while the normalized total health is below 100, a level whose healthy percentage (no
 * overprovisioning) is below the panic threshold balances over all its hosts; when every level is in panic, each takes
 * the share of requests its number of hosts has of all hosts. Within a priority not in panic, with {@code
 * locality_weighted_lb_config}, a locality is drawn by {@code weight x min(1, 1.4 x healthy / total)}; then the
 * cluster's balancer picks among that locality's healthy hosts (else among the priority's hosts).
 *
 * <p>Built once per host list and ejection epoch; {@link #tier} and {@link #hosts} allocate nothing.
 */
public final class PrioritySet {

    /** Envoy's default {@code overprovisioning_factor} (140 per 100). */
    static final int OVERPROVISIONING = 140;

    /** Per priority, the hosts to balance over: the healthy ones, or all of them in panic. */
    private final List<Host>[] tiers;

    private final boolean[] panic;
    private final int[] cumulativeLoad;
    /** Per tier: localities' healthy hosts and cumulative effective weights; null where not locality weighted. */
    private final List<Host>[][] localities;

    private final double[][] cumulativeWeight;
    private final boolean empty;
    private final int normalizedHealth;

    private PrioritySet(
            List<Host>[] tiers,
            boolean[] panic,
            int[] loads,
            List<Host>[][] localities,
            double[][] weights,
            int normalizedHealth) {
        this.normalizedHealth = normalizedHealth;
        this.tiers = tiers;
        this.panic = panic;
        this.cumulativeLoad = new int[loads.length];
        int sum = 0;
        for (int i = 0; i < loads.length; i++) {
            sum += loads[i];
            cumulativeLoad[i] = sum;
        }
        this.empty = sum == 0;
        this.localities = localities;
        this.cumulativeWeight = weights;
    }

    /**
     * Whether the hosts need more than one flat list: some host is below priority 0, or localities are weighted and
     * there is more than one.
     */
    static boolean needed(List<Host> all, boolean localityWeighted) {
        EndpointSpec.Locality first = all.isEmpty() ? null : all.get(0).spec().locality();
        for (Host h : all) {
            EndpointSpec.Locality l = h.spec().locality();
            if (l.priority() != 0 || (localityWeighted && !l.sameAs(first))) {
                return true;
            }
        }
        return false;
    }

    /** The priorities and localities of {@code all} with their health now, panic disabled. */
    static PrioritySet of(List<Host> all, boolean localityWeighted) {
        return of(all, localityWeighted, 0);
    }

    /**
     * The priorities and localities of {@code all} with their health now.
     *
     * @param panicThreshold percent of healthy hosts below which a priority is in panic (0 disables panic)
     */
    @SuppressWarnings("unchecked")
    static PrioritySet of(List<Host> all, boolean localityWeighted, double panicThreshold) {
        TreeMap<Integer, List<Host>> byPriority = new TreeMap<>();
        for (Host h : all) {
            byPriority
                    .computeIfAbsent(h.spec().locality().priority(), k -> new ArrayList<>())
                    .add(h);
        }
        int levels = byPriority.size();
        List<Host>[] hostsOf = byPriority.values().toArray(new List[0]);
        List<Host>[] healthyOf = new List[levels];
        int[] health = new int[levels];
        int total = 0;
        for (int p = 0; p < levels; p++) {
            healthyOf[p] = healthy(hostsOf[p]);
            health[p] = Math.min(100, OVERPROVISIONING * healthyOf[p].size() / hostsOf[p].size());
            total += health[p];
        }
        int normalized = Math.min(100, total);
        boolean[] panic = new boolean[levels];
        boolean totalPanic = levels > 0;
        for (int p = 0; p < levels; p++) {
            panic[p] = panicThreshold > 0
                    && normalized < 100
                    && 100.0 * healthyOf[p].size() / hostsOf[p].size() < panicThreshold;
            totalPanic &= panic[p];
        }
        int[] loads = totalPanic ? loadsByHosts(hostsOf, all.size()) : loadsByHealth(health, normalized);
        List<Host>[] tiers = new List[levels];
        List<Host>[][] localities = new List[levels][];
        double[][] weights = new double[levels][];
        for (int p = 0; p < levels; p++) {
            tiers[p] = panic[p] ? List.copyOf(hostsOf[p]) : healthyOf[p];
            if (localityWeighted && !panic[p]) {
                List<List<Host>> groups = new ArrayList<>();
                List<Double> cumulative = new ArrayList<>();
                double sum = 0;
                for (List<Host> locality : byLocality(hostsOf[p])) {
                    List<Host> up = healthy(locality);
                    if (up.isEmpty()) {
                        continue;
                    }
                    double availability = Math.min(1.0, OVERPROVISIONING / 100.0 * up.size() / locality.size());
                    sum += locality.get(0).spec().locality().weight() * availability;
                    groups.add(up);
                    cumulative.add(sum);
                }
                localities[p] = groups.toArray(new List[0]);
                weights[p] =
                        cumulative.stream().mapToDouble(Double::doubleValue).toArray();
            }
        }
        return new PrioritySet(tiers, panic, loads, localities, weights, normalized);
    }

    /** Envoy's {@code recalculatePriorityLoad}: by health, rounding leftovers to the first level with any. */
    private static int[] loadsByHealth(int[] health, int normalized) {
        int[] loads = new int[health.length];
        int left = 100;
        for (int i = 0; i < health.length && normalized > 0; i++) {
            loads[i] = Math.min(left, health[i] * 100 / normalized);
            left -= loads[i];
        }
        for (int i = 0; i < loads.length && left > 0 && normalized > 0; i++) {
            if (health[i] > 0) {
                loads[i] += left;
                left = 0;
            }
        }
        return loads;
    }

    /** Envoy's {@code recalculateLoadInTotalPanic}: by each level's share of all hosts, leftovers to the first. */
    private static int[] loadsByHosts(List<Host>[] hostsOf, int all) {
        int[] loads = new int[hostsOf.length];
        int left = 100;
        for (int i = 0; i < hostsOf.length; i++) {
            loads[i] = 100 * hostsOf[i].size() / all;
            left -= loads[i];
        }
        loads[0] += left;
        return loads;
    }

    /** The hosts the balancer picks among for one request: a priority drawn by load, then a locality by weight. */
    List<Host> choose(RandomGenerator random) {
        return empty ? List.of() : hosts(tier(random), random);
    }

    /** The priority one request goes to, drawn by load; -1 when no level takes any. */
    int tier(RandomGenerator random) {
        if (empty) {
            return -1;
        }
        int draw = random.nextInt(100);
        int tier = 0;
        while (cumulativeLoad[tier] <= draw) {
            tier++;
        }
        return tier;
    }

    /** Whether the priority {@code tier} (from {@link #tier}) balances over all its hosts. */
    boolean panic(int tier) {
        return tier >= 0 && panic[tier];
    }

    /** The hosts of priority {@code tier} (from {@link #tier}) for one request, its locality drawn by weight. */
    List<Host> hosts(int tier, RandomGenerator random) {
        if (tier < 0) {
            return List.of();
        }
        List<Host>[] groups = localities[tier];
        if (groups == null) {
            return tiers[tier];
        }
        if (groups.length == 0) {
            return List.of();
        }
        double[] cumulative = cumulativeWeight[tier];
        double at = random.nextDouble() * cumulative[cumulative.length - 1];
        for (int i = 0; i < cumulative.length; i++) {
            if (at < cumulative[i]) {
                return groups[i];
            }
        }
        return groups[groups.length - 1];
    }

    /** Envoy's normalized total health: the priorities' health summed, at most 100; panic is below its threshold. */
    int normalizedHealth() {
        return normalizedHealth;
    }

    /** Each priority's share of requests in percent, highest priority first. */
    int[] loads() {
        int[] out = new int[cumulativeLoad.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = cumulativeLoad[i] - (i == 0 ? 0 : cumulativeLoad[i - 1]);
        }
        return out;
    }

    private static List<Host> healthy(List<Host> hosts) {
        List<Host> out = new ArrayList<>(hosts.size());
        for (Host h : hosts) {
            if (h.healthy() && !h.ejected()) {
                out.add(h);
            }
        }
        return List.copyOf(out);
    }

    private static List<List<Host>> byLocality(List<Host> hosts) {
        List<List<Host>> out = new ArrayList<>();
        for (Host h : hosts) {
            List<Host> group = null;
            for (List<Host> g : out) {
                if (g.get(0).spec().locality().sameAs(h.spec().locality())) {
                    group = g;
                    break;
                }
            }
            if (group == null) {
                group = new ArrayList<>();
                out.add(group);
            }
            group.add(h);
        }
        return out;
    }
}
