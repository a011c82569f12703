package dev.meshbox.controlplane.translate;

import com.google.protobuf.util.Durations;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ServiceEntry;
import dev.meshbox.controlplane.config.WorkloadEntry;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ServiceEntry hosts as services of the registry, as Istio's {@code serviceentry} registry does it
 * ({@code conversion.go}): each host of an entry is a service with the entry's ports, found by its host in
 * VirtualServices and DestinationRules. Its clusters follow the entry's resolution ({@code convertResolution}): NONE
 * is {@code ORIGINAL_DST} (the address the app dialled), STATIC is EDS of the entry's endpoints (or of the pods its
 * workloadSelector picks), DNS is {@code STRICT_DNS} and DNS_ROUND_ROBIN {@code LOGICAL_DNS} over the endpoints'
 * addresses, or over the host itself when there are none.
 */
final class ServiceEntries {

    private ServiceEntries() {}

    /**
     * The registry with every ServiceEntry host added as a service. A host the registry already resolves (a platform
     * service, or the host of an older entry) keeps what it had, as Istio prefers the older declaration.
     */
    static ServiceRegistry.Snapshot withHosts(ConfigStore.Snapshot config, ServiceRegistry.Snapshot registry) {
        List<ServiceEntry> entries = sorted(config);
        if (entries.isEmpty()) {
            return registry;
        }
        Map<String, MeshService> services = new HashMap<>(registry.services());
        ServiceRegistry.Snapshot growing = registry;
        for (ServiceEntry se : entries) {
            List<ServicePort> ports = se.ports().stream()
                    .map(p -> new ServicePort(
                            p.name(), p.number(), p.targetPort() > 0 ? p.targetPort() : p.number(), p.protocol()))
                    .toList();
            for (String host : se.hosts()) {
                if (growing.resolve(host, se.meta().namespace()).isPresent()) {
                    continue;
                }
                services.put(host, MeshService.entryHost(host, se.meta().namespace(), ports, se.workloadSelector()));
                growing = new ServiceRegistry.Snapshot(registry.generation(), Map.copyOf(services), registry.pods());
            }
        }
        return growing;
    }

    /** The entries of the config, oldest first (by creation, then name), the order Istio resolves conflicts in. */
    static List<ServiceEntry> sorted(ConfigStore.Snapshot config) {
        List<ServiceEntry> out = new ArrayList<>(config.all(ServiceEntry.class));
        out.sort(Comparator.comparingLong(
                        (ServiceEntry se) -> config.created(se.meta().key()))
                .thenComparing(se -> se.meta().key()));
        return out;
    }

    /** The entry a ServiceEntry host service comes from. */
    static ServiceEntry entryOf(ConfigStore.Snapshot config, MeshService service) {
        for (ServiceEntry se : sorted(config)) {
            if (se.meta().namespace().equals(service.namespace()) && se.hosts().contains(service.host())) {
                return se;
            }
        }
        throw new IllegalStateException("no ServiceEntry for " + service.host());
    }

    /**
     * Sets the cluster's discovery type to what the entry's resolution asks for. EDS clusters keep their EDS config
     * (their endpoints come as an assignment); DNS clusters carry their endpoints inline, as Envoy resolves them;
     * ORIGINAL_DST has none.
     */
    static Cluster typed(Cluster cluster, ServiceEntry se, MeshService service, ServicePort port) {
        if (se.resolution() == ServiceEntry.Resolution.STATIC
                || !service.selector().isEmpty()) {
            return cluster;
        }
        Cluster.Builder b = cluster.toBuilder().clearEdsClusterConfig();
        switch (se.resolution()) {
            case NONE -> b.setType(Cluster.DiscoveryType.ORIGINAL_DST).setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
            case DNS ->
                b.setType(Cluster.DiscoveryType.STRICT_DNS)
                        .setLoadAssignment(assignment(cluster.getName(), se, service, port, Map.of()))
                        .setDnsRefreshRate(Durations.fromSeconds(60));
            default ->
                b.setType(Cluster.DiscoveryType.LOGICAL_DNS)
                        .setLoadAssignment(assignment(cluster.getName(), se, service, port, Map.of()))
                        .setDnsRefreshRate(Durations.fromSeconds(60));
        }
        return b.build();
    }

    /** Whether the cluster's endpoints come over EDS (STATIC resolution, or pods picked by a workload selector). */
    static boolean eds(ServiceEntry se, MeshService service) {
        return se.resolution() == ServiceEntry.Resolution.STATIC
                || !service.selector().isEmpty();
    }

    /**
     * The entry's endpoints on {@code port} whose labels include {@code subsetLabels}; for DNS resolution without
     * endpoints, the host itself.
     */
    static ClusterLoadAssignment assignment(
            String cluster, ServiceEntry se, MeshService service, ServicePort port, Map<String, String> subsetLabels) {
        ServiceEntry.Port sePort = se.ports().stream()
                .filter(p -> p.number() == port.port())
                .findFirst()
                .orElseThrow();
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.getDefaultInstance())
                .setLoadBalancingWeight(ClusterTranslator.u32(1));
        boolean dns = se.resolution() == ServiceEntry.Resolution.DNS
                || se.resolution() == ServiceEntry.Resolution.DNS_ROUND_ROBIN;
        if (se.endpoints().isEmpty() && dns) {
            locality.addLbEndpoints(lbEndpoint(service.host(), port.targetPort(), 1));
        }
        for (ServiceEntry.Endpoint e : se.endpoints()) {
            if (subsetLabels.entrySet().stream()
                    .allMatch(l -> l.getValue().equals(e.labels().get(l.getKey())))) {
                locality.addLbEndpoints(lbEndpoint(e.address(), e.portFor(sePort), Math.max(1, e.weight())));
            }
        }
        return ClusterLoadAssignment.newBuilder()
                .setClusterName(cluster)
                .addEndpoints(locality)
                .build();
    }

    /**
     * A workload-selector entry's assignment: the selected pods' endpoints ({@code pods}) and those of the
     * WorkloadEntries of the entry's namespace the selector picks, whose labels include {@code subsetLabels}.
     */
    static ClusterLoadAssignment withWorkloadEntries(
            ClusterLoadAssignment pods,
            ConfigStore.Snapshot config,
            ServiceEntry se,
            MeshService service,
            ServicePort port,
            Map<String, String> subsetLabels) {
        ServiceEntry.Port sePort = se.ports().stream()
                .filter(p -> p.number() == port.port())
                .findFirst()
                .orElseThrow();
        LocalityLbEndpoints.Builder locality = pods.getEndpoints(0).toBuilder();
        config.all(WorkloadEntry.class).stream()
                .filter(we -> we.meta().namespace().equals(se.meta().namespace()))
                .filter(we -> we.selectedBy(service.selector()))
                .filter(we -> subsetLabels.entrySet().stream()
                        .allMatch(l -> l.getValue().equals(we.labels().get(l.getKey()))))
                .sorted(Comparator.comparing(we -> we.meta().name()))
                .forEach(we -> locality.addLbEndpoints(
                        lbEndpoint(we.address(), we.asEndpoint().portFor(sePort), Math.max(1, we.weight()))));
        return pods.toBuilder().setEndpoints(0, locality).build();
    }

    private static LbEndpoint lbEndpoint(String address, int port, int weight) {
        return LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(ClusterTranslator.socket(address, port)))
                .setHealthStatus(HealthStatus.HEALTHY)
                .setLoadBalancingWeight(ClusterTranslator.u32(weight))
                .build();
    }
}
