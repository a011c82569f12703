package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.spec.EndpointSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Envoy's priority levels and locality weighted balancing over one cluster's hosts, as its docs define them
 * ({@code arch_overview/upstream/load_balancing/priority} and {@code locality_weight}), with the default
 * overprovisioning factor 1.4.
 *
 * <p>A priority's health is {@code min(100, 1.4 x 100 x healthy / total)} (healthy: EDS healthy and not ejected).
 * Priority 0 takes {@code min(100, health(P0) x 100 / normalized total health)} percent of the requests, each next
 * level the next share of what is left, so a level less than 100/1.4 % healthy spills part of its traffic to the levels
 * below, and a level with no healthy host gives all of it away. Within a priority, with {@code
 * locality_weighted_lb_config}, a locality is drawn by {@code weight x min(1, 1.4 x healthy / total)}; then the
 * cluster's balancer picks among that locality's healthy hosts (else among the priority's healthy hosts).
 *
 * <p>Built once per host list and ejection epoch; {@link #choose} allocates nothing.
 */
public final class PrioritySet {

    /** Envoy's default {@code overprovisioning_factor} (140 per 100). */
    static final int OVERPROVISIONING = 140;

    /** The host lists to balance over, each with its cumulative share (of 100 for priorities). */
    private final List<Host>[] tiers;

    private final int[] cumulativeLoad;
    /** Per tier: localities' healthy hosts and cumulative effective weights; null where not locality weighted. */
    private final List<Host>[][] localities;

    private final double[][] cumulativeWeight;
    private final boolean empty;
    private final int normalizedHealth;

    @SuppressWarnings("unchecked")
    private PrioritySet(
            List<List<Host>> tiers,
            int[] loads,
            List<List<List<Host>>> localities,
            List<double[]> weights,
            int normalizedHealth) {
        this.normalizedHealth = normalizedHealth;
        this.tiers = tiers.toArray(new List[0]);
        this.cumulativeLoad = new int[loads.length];
        int sum = 0;
        for (int i = 0; i < loads.length; i++) {
            sum += loads[i];
            cumulativeLoad[i] = sum;
        }
        this.empty = sum == 0;
        this.localities = new List[tiers.size()][];
        this.cumulativeWeight = new double[tiers.size()][];
        for (int i = 0; i < tiers.size(); i++) {
            if (localities.get(i) != null) {
                this.localities[i] = localities.get(i).toArray(new List[0]);
                this.cumulativeWeight[i] = weights.get(i);
            }
        }
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

    /** The priorities and localities of {@code all} with their health now. */
    static PrioritySet of(List<Host> all, boolean localityWeighted) {
        TreeMap<Integer, List<Host>> byPriority = new TreeMap<>();
        for (Host h : all) {
            byPriority
                    .computeIfAbsent(h.spec().locality().priority(), k -> new ArrayList<>())
                    .add(h);
        }
        List<List<Host>> tiers = new ArrayList<>();
        List<List<List<Host>>> localities = new ArrayList<>();
        List<double[]> weights = new ArrayList<>();
        int[] health = new int[byPriority.size()];
        int total = 0;
        int p = 0;
        for (List<Host> hosts : byPriority.values()) {
            List<Host> healthy = healthy(hosts);
            tiers.add(healthy);
            health[p] = Math.min(100, OVERPROVISIONING * healthy.size() / hosts.size());
            total += health[p];
            if (localityWeighted) {
                List<List<Host>> groups = new ArrayList<>();
                List<Double> cumulative = new ArrayList<>();
                double sum = 0;
                for (List<Host> locality : byLocality(hosts)) {
                    List<Host> up = healthy(locality);
                    if (up.isEmpty()) {
                        continue;
                    }
                    double availability = Math.min(1.0, OVERPROVISIONING / 100.0 * up.size() / locality.size());
                    sum += locality.get(0).spec().locality().weight() * availability;
                    groups.add(up);
                    cumulative.add(sum);
                }
                localities.add(groups);
                weights.add(cumulative.stream().mapToDouble(Double::doubleValue).toArray());
            } else {
                localities.add(null);
                weights.add(null);
            }
            p++;
        }
        int normalized = Math.min(100, total);
        int[] loads = new int[health.length];
        int left = 100;
        for (int i = 0; i < health.length && normalized > 0; i++) {
            loads[i] = Math.min(left, health[i] * 100 / normalized);
            left -= loads[i];
        }
        // Rounding leftovers go to the first level that takes traffic, as Envoy's do.
        for (int i = 0; i < loads.length && left > 0 && normalized > 0; i++) {
            if (health[i] > 0) {
                loads[i] += left;
                left = 0;
            }
        }
        return new PrioritySet(tiers, loads, localities, weights, normalized);
    }

    /** The hosts the balancer picks among for one request: a priority drawn by load, then a locality by weight. */
    List<Host> choose(RandomGenerator random) {
        if (empty) {
            return List.of();
        }
        int draw = random.nextInt(100);
        int tier = 0;
        while (cumulativeLoad[tier] <= draw) {
            tier++;
        }
        List<Host>[] groups = localities[tier];
        if (groups == null) {
            return tiers[tier];
        }
        double[] cumulative = cumulativeWeight[tier];
        if (groups.length == 0) {
            return List.of();
        }
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
