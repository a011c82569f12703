package dev.meshbox.controlplane.translate;

import com.google.protobuf.Value;
import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import dev.meshbox.controlplane.config.DestinationRule.TrafficPolicy;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Istio's locality load balancing ({@code pilot/pkg/networking/core/loadbalancer/loadbalancer.go}). EDS groups a
 * service's endpoints into one {@code LocalityLbEndpoints} per pod locality (labels {@code
 * topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone}, {@code topology.istio.io/subzone}); then, per
 * proxy, a DestinationRule's {@code localityLbSetting} (else the mesh config's) sets priorities relative to the proxy's own locality (failover,
 * only with outlier detection: same subzone 0, same zone 1, same region 2, the {@code failover} region next, others
 * last; or by {@code failoverPriority} labels) or locality weights ({@code distribute}, with the cluster's {@code
 * locality_weighted_lb_config}). Pods without locality labels are all in the empty locality, so meshes that do not
 * use localities get exactly the assignments they had.
 */
final class LocalityEndpoints {

    static final String REGION = dev.meshbox.controlplane.registry.Topology.REGION;
    static final String ZONE = dev.meshbox.controlplane.registry.Topology.ZONE;
    static final String SUBZONE = dev.meshbox.controlplane.registry.Topology.SUBZONE;

    private final Map<Locality, LocalityLbEndpoints.Builder> groups = new LinkedHashMap<>();

    /** Adds a pod's endpoint to its locality's group. */
    void add(Pod pod, LbEndpoint endpoint) {
        groups.computeIfAbsent(
                        localityOf(pod.labels()),
                        l -> LocalityLbEndpoints.newBuilder().setLocality(l))
                .addLbEndpoints(endpoint);
    }

    /**
     * The assignment: the empty locality first, then the others sorted; each locality's weight is the sum of its
     * endpoints' weights (Istio's), except a lone empty locality, which keeps weight 1 as before localities existed.
     */
    ClusterLoadAssignment assignment(String cluster) {
        ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(cluster);
        if (groups.isEmpty()) {
            return cla.addEndpoints(LocalityLbEndpoints.newBuilder()
                            .setLocality(Locality.getDefaultInstance())
                            .setLoadBalancingWeight(ClusterTranslator.u32(1)))
                    .build();
        }
        boolean lone = groups.size() == 1 && groups.containsKey(Locality.getDefaultInstance());
        TreeMap<String, LocalityLbEndpoints.Builder> sorted = new TreeMap<>();
        groups.forEach((l, b) -> sorted.put(name(l), b));
        sorted.values().forEach(b -> {
            int weight = 0;
            for (LbEndpoint e : b.getLbEndpointsList()) {
                weight +=
                        e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1;
            }
            cla.addEndpoints(b.setLoadBalancingWeight(ClusterTranslator.u32(lone ? 1 : Math.max(1, weight))));
        });
        return cla.build();
    }

    static Locality localityOf(Map<String, String> labels) {
        return Locality.newBuilder()
                .setRegion(labels.getOrDefault(REGION, ""))
                .setZone(labels.getOrDefault(ZONE, ""))
                .setSubZone(labels.getOrDefault(SUBZONE, ""))
                .build();
    }

    /** {@code region/zone/subzone}, Istio's locality string. */
    static String name(Locality l) {
        return l.getRegion().isEmpty()
                        && l.getZone().isEmpty()
                        && l.getSubZone().isEmpty()
                ? ""
                : l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
    }

    /** A cluster whose policy {@code distribute}s gets Envoy's {@code locality_weighted_lb_config}, as Istio's. */
    static Cluster weighted(Cluster cluster, Optional<TrafficPolicy> policy, LocalityLbSetting mesh) {
        Optional<LocalityLbSetting> setting = setting(policy, mesh);
        if (setting.isEmpty() || setting.get().distribute().isEmpty()) {
            return cluster;
        }
        Cluster.Builder c = cluster.toBuilder();
        c.getCommonLbConfigBuilder()
                .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance());
        return c.build();
    }

    /**
     * Istio's {@code GetLocalityLbSetting}: the DestinationRule's setting (none when it says {@code enabled: false}),
     * else the mesh config's (none when that says {@code enabled: false}).
     */
    static Optional<LocalityLbSetting> setting(Optional<TrafficPolicy> policy, LocalityLbSetting mesh) {
        Optional<LocalityLbSetting> own =
                policy.flatMap(TrafficPolicy::loadBalancer).flatMap(DestinationRule.LoadBalancer::localityLbSetting);
        LocalityLbSetting chosen = own.orElse(mesh);
        return chosen.disabled() ? Optional.empty() : Optional.of(chosen);
    }

    /** What one cluster's assignment needs per proxy: the setting and whether failover applies. */
    private record Rule(LocalityLbSetting setting, boolean failover) {}

    /** Per-proxy rewriting of the EDS assignments, memoised per shared endpoint list and proxy locality. */
    static final class PerProxy {
        private final Map<String, Rule> rules = new HashMap<>();
        private final boolean labelsMatter;
        private final Map<List<ClusterLoadAssignment>, Map<List<Object>, List<ClusterLoadAssignment>>> memo =
                new IdentityHashMap<>();

        PerProxy(MeshView view) {
            boolean anyLocality = view.registry().pods().values().stream()
                    .anyMatch(p -> p.labels().containsKey(REGION)
                            || p.labels().containsKey(ZONE)
                            || p.labels().containsKey(SUBZONE));
            boolean priorityLabels = false;
            LocalityLbSetting mesh = view.security().localityLbSetting();
            for (MeshService service : view.registry().servicesSorted()) {
                Optional<DestinationRule> dr = view.destinationRule(service);
                if (dr.isEmpty() && mesh.distribute().isEmpty()) {
                    continue; // no outlier detection, so no failover: only the mesh's distribute would apply
                }
                List<String> subsets = new ArrayList<>();
                subsets.add("");
                dr.ifPresent(d -> d.subsets().forEach(s -> subsets.add(s.name())));
                for (ServicePort port : service.ports()) {
                    for (String subset : subsets) {
                        Optional<TrafficPolicy> policy = dr.flatMap(d -> TrafficPolicy.effective(
                                d.trafficPolicy(),
                                d.subset(subset).flatMap(DestinationRule.Subset::trafficPolicy),
                                port.port()));
                        boolean outlier =
                                policy.flatMap(TrafficPolicy::outlierDetection).isPresent();
                        // Istio's mesh default (localityLbSetting.enabled: true): outlier detection alone turns on
                        // failover by locality; a DestinationRule (or the mesh config) that disables it leaves the
                        // endpoints alone.
                        Optional<LocalityLbSetting> s = setting(policy, mesh);
                        if (s.isEmpty() || (!outlier && s.get().distribute().isEmpty())) {
                            continue;
                        }
                        LocalityLbSetting effective = s.get();
                        if (!anyLocality && effective.failoverPriority().isEmpty()) {
                            continue; // every endpoint in the empty locality: nothing would change
                        }
                        priorityLabels |=
                                outlier && !effective.failoverPriority().isEmpty();
                        rules.put(
                                Names.outboundCluster(port.port(), subset, service.fqdn()),
                                new Rule(effective, outlier));
                    }
                }
            }
            this.labelsMatter = priorityLabels;
        }

        /** The proxy's resources with its view of the assignments; the same instance when nothing changes. */
        XdsResources apply(Pod proxy, XdsResources resources) {
            if (rules.isEmpty()) {
                return resources;
            }
            Locality locality = localityOf(proxy.labels());
            List<Object> key = List.of(locality, labelsMatter ? proxy.labels() : Map.of());
            List<ClusterLoadAssignment> endpoints = memo.computeIfAbsent(resources.endpoints(), k -> new HashMap<>())
                    .computeIfAbsent(key, k -> rewrite(resources.endpoints(), locality, proxy.labels()));
            if (endpoints == resources.endpoints()) {
                return resources;
            }
            return new XdsResources(
                    resources.listeners(), resources.routes(), resources.clusters(), endpoints, resources.warnings());
        }

        private List<ClusterLoadAssignment> rewrite(
                List<ClusterLoadAssignment> all, Locality locality, Map<String, String> proxyLabels) {
            List<ClusterLoadAssignment> out = new ArrayList<>(all.size());
            boolean changed = false;
            for (ClusterLoadAssignment cla : all) {
                Rule rule = rules.get(cla.getClusterName());
                ClusterLoadAssignment next = rule == null
                        ? cla
                        : LocalityEndpoints.apply(cla, locality, proxyLabels, rule.setting(), rule.failover());
                changed |= next != cla;
                out.add(next);
            }
            return changed ? List.copyOf(out) : all;
        }
    }

    /** Istio's {@code ApplyLocalityLoadBalancer}: weights by {@code distribute}, else priorities when failing over. */
    static ClusterLoadAssignment apply(
            ClusterLoadAssignment cla,
            Locality proxy,
            Map<String, String> proxyLabels,
            LocalityLbSetting setting,
            boolean failover) {
        if (!setting.distribute().isEmpty()) {
            return weights(cla, proxy, setting.distribute());
        }
        if (!failover) {
            return cla;
        }
        ClusterLoadAssignment.Builder b = cla.toBuilder();
        if (!setting.failoverPriority().isEmpty()) {
            failoverPriorities(b, proxyLabels, setting.failoverPriority());
            if (!setting.failover().isEmpty()) {
                localityFailover(b, proxy, setting.failover());
            }
        } else {
            localityFailover(b, proxy, setting.failover());
        }
        return b.build();
    }

    /**
     * Istio's {@code applyLocalityWeights}: the first {@code distribute} entry whose {@code from} matches the proxy
     * sets each matching locality's weight to its share of the entry's percentage (split by the localities' own
     * weights where a wildcard matches several); localities no entry names lose their endpoints.
     */
    static ClusterLoadAssignment weights(
            ClusterLoadAssignment cla, Locality proxy, List<DestinationRule.Distribute> distribute) {
        for (DestinationRule.Distribute d : distribute) {
            if (!matches(proxy, d.from())) {
                continue;
            }
            ClusterLoadAssignment.Builder b = cla.toBuilder();
            boolean[] matched = new boolean[b.getEndpointsCount()];
            for (Map.Entry<String, Integer> to : d.to().entrySet()) {
                Map<Integer, Integer> original = new LinkedHashMap<>();
                long total = 0;
                for (int i = 0; i < b.getEndpointsCount(); i++) {
                    LocalityLbEndpoints.Builder ep = b.getEndpointsBuilder(i);
                    if (!matched[i] && matches(ep.getLocality(), to.getKey())) {
                        matched[i] = true;
                        int w = ep.hasLoadBalancingWeight()
                                ? ep.getLoadBalancingWeight().getValue()
                                : 1;
                        original.put(i, w);
                        total += w;
                    }
                }
                for (Map.Entry<Integer, Integer> e : original.entrySet()) {
                    double weight = (double) e.getValue() * to.getValue() / total;
                    if (weight > 0) {
                        b.getEndpointsBuilder(e.getKey())
                                .setLoadBalancingWeight(ClusterTranslator.u32((int) Math.ceil(weight)));
                    }
                }
            }
            for (int i = 0; i < matched.length; i++) {
                if (!matched[i]) {
                    b.getEndpointsBuilder(i).clearLbEndpoints();
                }
            }
            return b.build();
        }
        return cla;
    }

    /**
     * Istio's {@code applyLocalityFailover}: priority 0 for the proxy's subzone, 1 its zone, 2 its region, 3 other
     * regions, or 3 for the {@code failover} target region and 4 for the rest when an entry's {@code from} is the
     * proxy's region; on top of priorities already set (times 5), then renumbered 0..N without gaps.
     */
    static void localityFailover(
            ClusterLoadAssignment.Builder b, Locality proxy, List<DestinationRule.Failover> failover) {
        TreeMap<Integer, List<Integer>> byPriority = new TreeMap<>();
        for (int i = 0; i < b.getEndpointsCount(); i++) {
            LocalityLbEndpoints.Builder ep = b.getEndpointsBuilder(i);
            Locality l = ep.getLocality();
            int priority = lbPriority(proxy, l);
            if (priority == 3) {
                for (DestinationRule.Failover f : failover) {
                    if (f.from().equals(proxy.getRegion())) {
                        if (!l.getRegion().equals(f.to())) {
                            priority = 4;
                        }
                        break;
                    }
                }
            }
            int combined = ep.getPriority() * 5 + priority;
            byPriority.computeIfAbsent(combined, k -> new ArrayList<>()).add(i);
        }
        int next = 0;
        for (List<Integer> indexes : byPriority.values()) {
            for (int i : indexes) {
                b.getEndpointsBuilder(i).setPriority(next);
            }
            next++;
        }
    }

    /**
     * Istio's {@code applyFailoverPriorities}: each locality split by how many of the listed labels (in order) an
     * endpoint shares with the proxy ({@code label=value} compares with that value instead of the proxy's), all
     * matching first; priorities renumbered 0..N without gaps.
     */
    static void failoverPriorities(
            ClusterLoadAssignment.Builder b, Map<String, String> proxyLabels, List<String> failoverPriority) {
        if (proxyLabels.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        Map<String, String> overrides = new HashMap<>();
        for (String entry : failoverPriority) {
            String[] parts = entry.split("=", -1);
            names.add(parts[0]);
            if (parts.length == 2) {
                overrides.put(parts[0], parts[1]);
            }
        }
        int lowest = names.size();
        List<LocalityLbEndpoints.Builder> out = new ArrayList<>();
        for (LocalityLbEndpoints ep : b.getEndpointsList()) {
            TreeMap<Integer, List<LbEndpoint>> byPriority = new TreeMap<>();
            for (LbEndpoint e : ep.getLbEndpointsList()) {
                Map<String, String> labels = labels(e);
                int priority = 0;
                for (int j = 0; j < names.size(); j++) {
                    String name = names.get(j);
                    String want = overrides.getOrDefault(name, proxyLabels.getOrDefault(name, ""));
                    if (!want.equals(labels.getOrDefault(name, ""))) {
                        priority = lowest - j;
                        break;
                    }
                }
                byPriority.computeIfAbsent(priority, k -> new ArrayList<>()).add(e);
            }
            byPriority.forEach((priority, endpoints) -> {
                int weight = 0;
                for (LbEndpoint e : endpoints) {
                    weight += e.getLoadBalancingWeight().getValue();
                }
                out.add(ep.toBuilder()
                        .clearLbEndpoints()
                        .addAllLbEndpoints(endpoints)
                        .setPriority(priority)
                        .setLoadBalancingWeight(ClusterTranslator.u32(weight)));
            });
        }
        TreeMap<Integer, List<LocalityLbEndpoints.Builder>> all = new TreeMap<>();
        out.forEach(ep ->
                all.computeIfAbsent(ep.getPriority(), k -> new ArrayList<>()).add(ep));
        int next = 0;
        for (List<LocalityLbEndpoints.Builder> eps : all.values()) {
            for (LocalityLbEndpoints.Builder ep : eps) {
                ep.setPriority(next);
            }
            next++;
        }
        b.clearEndpoints();
        out.forEach(b::addEndpoints);
    }

    /** The pod labels Istio's endpoint metadata carries ({@code istio.labels}). */
    private static Map<String, String> labels(LbEndpoint e) {
        var istio = e.getMetadata().getFilterMetadataMap().get("istio");
        Value labels = istio == null ? null : istio.getFieldsMap().get("labels");
        if (labels == null || !labels.hasStructValue()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        labels.getStructValue().getFieldsMap().forEach((k, v) -> out.put(k, v.getStringValue()));
        return out;
    }

    /** Istio's {@code LbPriority}: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
    static int lbPriority(Locality proxy, Locality endpoint) {
        if (!proxy.getRegion().equals(endpoint.getRegion())) {
            return 3;
        }
        if (!proxy.getZone().equals(endpoint.getZone())) {
            return 2;
        }
        return proxy.getSubZone().equals(endpoint.getSubZone()) ? 0 : 1;
    }

    /** Istio's {@code LocalityMatch}: {@code region/zone/subzone} with {@code *} or a missing part matching all. */
    static boolean matches(Locality locality, String rule) {
        String[] parts = rule.split("/", 3);
        String region = parts[0];
        String zone = parts.length > 1 ? parts[1] : "";
        String subzone = parts.length > 2 ? parts[2] : "";
        return (region.equals("*") || locality.getRegion().equals(region))
                && (zone.equals("*") || zone.isEmpty() || locality.getZone().equals(zone))
                && (subzone.equals("*")
                        || subzone.isEmpty()
                        || locality.getSubZone().equals(subzone));
    }
}
