package dev.meshbox.controlplane.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Topology;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Split-horizon EDS, as Istio's {@code EndpointsByNetworkFilter} (pilot/pkg/xds/endpoints/ep_filters.go): a proxy
 * reaches the endpoints on its own network by their pod IPs, and those on another network through that network's
 * east-west gateway ({@link Topology#isEastWestGateway}, its pod IP and port 15443), one gateway endpoint per network
 * whose {@code load_balancing_weight} is the weight of the endpoints behind it. The gateway routes by SNI, so only
 * endpoints that take Istio mTLS ({@code tlsMode: istio}) cross networks; the gateway endpoint carries that metadata so
 * auto mTLS wraps the connection with the cluster's SNI {@code outbound_.PORT_.SUBSET_.FQDN}. An endpoint whose
 * network has no gateway is used directly, as Istio does (the network is taken as reachable), and so is one with no
 * network. An east-west gateway ({@code ISTIO_META_REQUESTED_NETWORK_VIEW} = its network) sees only its own network's
 * endpoints. Without any east-west gateway in the mesh (the default) nothing changes.
 *
 * <p>A pod's network and cluster are its {@link Topology} labels, which the endpoint metadata carries
 * ({@code istio.labels}). One instance serves one rebuild: the filtered lists are computed once per endpoint list and
 * network view and shared by the proxies that agree on both.
 */
final class NetworkEndpoints {

    private record Gateway(String network, String cluster, String ip) {}

    private record ViewKey(String network, boolean restricted) {}

    /** Per network, its east-west gateways sorted by IP. */
    private final Map<String, List<Gateway>> gateways;

    private final Map<List<ClusterLoadAssignment>, Map<ViewKey, List<ClusterLoadAssignment>>> cache =
            new IdentityHashMap<>();

    private NetworkEndpoints(Map<String, List<Gateway>> gateways) {
        this.gateways = gateways;
    }

    static NetworkEndpoints of(MeshView view) {
        Map<String, List<Gateway>> byNetwork = new LinkedHashMap<>();
        view.registry().pods().values().stream()
                // ready or not: Istio knows a gateway by its Service's address, not by its pods' readiness, so a
                // network whose gateway is starting is never reached directly meanwhile
                .filter(Topology::isEastWestGateway)
                .map(p -> new Gateway(Topology.networkOf(p, ""), Topology.clusterOf(p, ""), p.ip()))
                .filter(g -> !g.network().isEmpty())
                .sorted(Comparator.comparing(Gateway::ip))
                .forEach(g -> byNetwork
                        .computeIfAbsent(g.network(), k -> new ArrayList<>())
                        .add(g));
        return new NetworkEndpoints(Map.copyOf(byNetwork));
    }

    /** Whether the mesh has networks with gateways (Istio's {@code IsMultiNetworkEnabled}). */
    boolean multiNetwork() {
        return !gateways.isEmpty();
    }

    /** The proxy's resources with its network's view of the endpoints; the same object when nothing changes. */
    XdsResources apply(Pod proxy, XdsResources resources) {
        if (!multiNetwork()) {
            return resources;
        }
        List<ClusterLoadAssignment> filtered = filter(proxy, resources.endpoints());
        if (filtered == resources.endpoints()) {
            return resources;
        }
        return new XdsResources(
                resources.listeners(), resources.routes(), resources.clusters(), filtered, resources.warnings());
    }

    /** The assignments as the proxy's network sees them. */
    List<ClusterLoadAssignment> filter(Pod proxy, List<ClusterLoadAssignment> endpoints) {
        if (!multiNetwork()) {
            return endpoints;
        }
        ViewKey key = new ViewKey(Topology.networkOf(proxy, ""), Topology.isEastWestGateway(proxy));
        return cache.computeIfAbsent(endpoints, k -> new java.util.HashMap<>()).computeIfAbsent(key, k -> {
            List<ClusterLoadAssignment> out = new ArrayList<>(endpoints.size());
            endpoints.forEach(a -> out.add(filter(a, k)));
            return List.copyOf(out);
        });
    }

    private ClusterLoadAssignment filter(ClusterLoadAssignment assignment, ViewKey view) {
        ClusterLoadAssignment.Builder out = assignment.toBuilder().clearEndpoints();
        for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
            LocalityLbEndpoints.Builder kept = locality.toBuilder().clearLbEndpoints();
            Map<Gateway, Integer> gatewayWeights = new java.util.TreeMap<>(
                    Comparator.comparing(Gateway::network).thenComparing(Gateway::ip));
            for (LbEndpoint ep : locality.getLbEndpointsList()) {
                String network = label(ep, Topology.NETWORK);
                if (view.restricted() && !sameOrEmpty(network, view.network())) {
                    continue; // outside the network view the gateway requested
                }
                int weight = Math.max(1, ep.getLoadBalancingWeight().getValue());
                List<Gateway> gws = gatewaysFor(network, label(ep, Topology.CLUSTER));
                if (sameOrEmpty(network, view.network()) || gws.isEmpty()) {
                    kept.addLbEndpoints(ep);
                    continue;
                }
                if (!mtls(ep)) {
                    continue; // cross-network traffic is routed by SNI: it needs Istio mTLS
                }
                int share = Math.max(1, weight / gws.size());
                gws.forEach(g -> gatewayWeights.merge(g, share, Integer::sum));
            }
            gatewayWeights.forEach((g, w) -> kept.addLbEndpoints(gatewayEndpoint(g, w)));
            // the locality keeps its weight and priority: locality load balancing set them for the caller
            out.addEndpoints(kept);
        }
        return out.build();
    }

    /** Istio's {@code selectNetworkGateways}: the network's gateways in the endpoint's cluster, else all of them. */
    private List<Gateway> gatewaysFor(String network, String cluster) {
        List<Gateway> all = gateways.getOrDefault(network, List.of());
        List<Gateway> inCluster =
                all.stream().filter(g -> g.cluster().equals(cluster)).toList();
        return inCluster.isEmpty() ? all : inCluster;
    }

    /**
     * The gateway's endpoint: {@code tlsMode: istio} only. It names no workload (no {@code istio} metadata), so the
     * caller's telemetry takes the destination from the peer's metadata exchange, which passes the gateway untouched.
     */
    private static LbEndpoint gatewayEndpoint(Gateway g, int weight) {
        return LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder()
                        .setAddress(ClusterTranslator.socket(g.ip(), Topology.EASTWEST_GATEWAY_PORT)))
                .setHealthStatus(HealthStatus.HEALTHY)
                .setLoadBalancingWeight(ClusterTranslator.u32(weight))
                .setMetadata(Metadata.newBuilder()
                        .putFilterMetadata(MutualTls.SOCKET_MATCH_METADATA, MutualTls.socketMatchMetadata()))
                .build();
    }

    private static boolean mtls(LbEndpoint ep) {
        Struct match = ep.getMetadata().getFilterMetadataMap().get(MutualTls.SOCKET_MATCH_METADATA);
        return match != null
                && "istio"
                        .equals(match.getFieldsOrDefault("tlsMode", Value.getDefaultInstance())
                                .getStringValue());
    }

    /** A label of the endpoint's pod, from its {@code istio.labels} metadata; empty when absent. */
    private static String label(LbEndpoint ep, String name) {
        Struct istio = ep.getMetadata().getFilterMetadataMap().get("istio");
        if (istio == null) {
            return "";
        }
        return istio.getFieldsOrDefault("labels", Value.getDefaultInstance())
                .getStructValue()
                .getFieldsOrDefault(name, Value.getDefaultInstance())
                .getStringValue();
    }

    /** Istio's {@code IsSameOrEmpty}: an empty network is everyone's. */
    private static boolean sameOrEmpty(String a, String b) {
        return a.isEmpty() || b.isEmpty() || a.equals(b);
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
