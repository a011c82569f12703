package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.DestinationRule.TrafficPolicy;
import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A gateway server with {@code tls.mode: AUTO_PASSTHROUGH}, as the east-west gateway's {@code cross-network-gateway}
 * ({@code samples/multicluster/expose-services.yaml}: port 15443, protocol TLS, hosts {@code *.local}) and the 1.1-1.5
 * multicluster gateway ({@code hosts: ["*.global"]}) are built by Istio (pilot/pkg/networking/core/gateway.go): per
 * mesh service, port and DestinationRule subset whose host the server's hosts match, one filter chain whose
 * {@code server_names} is Istio's SNI {@code outbound_.PORT_.SUBSET_.FQDN} and whose {@code tcp_proxy} goes to the
 * cluster of that very name (the DNS-SRV key, {@code model.BuildDNSSrvSubsetKey}): an EDS cluster of the service's
 * (subset's) endpoints without TLS, since the gateway never terminates the client's mTLS. The endpoints are those of
 * the gateway's network ({@link NetworkEndpoints}).
 *
 * <p>For {@code *.global} hosts the chain for {@code outbound_.P_.S_.NAME.NS.global} goes to the cluster of
 * {@code NAME.NS.svc.cluster.local}: what Istio 1.4's EnvoyFilter {@code istio-multicluster-ingressgateway} did with
 * {@code tcp_cluster_rewrite} ({@code \.global$} to {@code .svc.cluster.local}); MeshBox applies it without the filter.
 */
final class GatewayAutoPassthrough {

    static final String MODE = "AUTO_PASSTHROUGH";
    private static final String GLOBAL = ".global";
    private static final String CLUSTER_DOMAIN = ".svc.cluster.local";

    private GatewayAutoPassthrough() {}

    static boolean applies(Gateway.Server server) {
        return MODE.equals(server.tls().mode());
    }

    /**
     * The server's chains for {@code listenerPort}, skipping server names already in {@code named}; the clusters and
     * assignments they name go to {@code out}.
     */
    static List<FilterChain> chains(
            MeshView view,
            Pod proxy,
            Gateway.Server server,
            int listenerPort,
            Set<String> named,
            XdsResources.Builder out) {
        List<FilterChain> chains = new ArrayList<>();
        PeerAuthentications peers = PeerAuthentications.of(view.config());
        for (MeshService service : view.registry().servicesSorted()) {
            String local = service.fqdn();
            // A .global entry's SNI is always rewritten to the cluster.local service (tcp_cluster_rewrite), never its
            // own.
            boolean byLocal = Translator.hostAllowed(server.hosts(), local)
                    && !(service.fromServiceEntry() && local.endsWith(GLOBAL));
            String global = globalName(service);
            boolean byGlobal = global != null && Translator.hostAllowed(server.hosts(), global);
            if (!byLocal && !byGlobal) {
                continue;
            }
            Optional<DestinationRule> dr = view.destinationRule(service);
            List<String> subsets = new ArrayList<>();
            subsets.add("");
            dr.map(DestinationRule::subsets).orElse(List.of()).forEach(s -> subsets.add(s.name()));
            List<Pod> pods = view.registry().endpoints(service);
            for (ServicePort port : service.ports()) {
                if (port.selectedProtocol() == Protocol.UDP) {
                    continue;
                }
                for (String subset : subsets) {
                    String cluster = Names.outboundSni(port.port(), subset, local);
                    cluster(view, service, dr, subset, port, pods, cluster, peers, out);
                    if (byLocal && named.add(cluster)) {
                        chains.add(chain(listenerPort, cluster, cluster));
                    }
                    String globalSni = byGlobal ? Names.outboundSni(port.port(), subset, global) : null;
                    if (globalSni != null && named.add(globalSni)) {
                        chains.add(chain(listenerPort, globalSni, cluster));
                    }
                }
            }
        }
        return chains;
    }

    /** {@code NAME.NS.global} for a platform service ({@code NAME.NS.svc.cluster.local}); null for an entry host. */
    private static String globalName(MeshService service) {
        if (service.fromServiceEntry() || !service.fqdn().endsWith(CLUSTER_DOMAIN)) {
            return null;
        }
        return service.name() + "." + service.namespace() + GLOBAL;
    }

    private static FilterChain chain(int listenerPort, String sni, String cluster) {
        FilterChain c = L4Routes.chain(
                sni,
                listenerPort,
                List.of(sni),
                TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster));
        // As Istio's AUTO_PASSTHROUGH chains: the ALPNs its sidecars offer over mTLS.
        return c.toBuilder()
                .setFilterChainMatch(
                        c.getFilterChainMatch().toBuilder().addAllApplicationProtocols(MutualTls.ISTIO_ALPNS))
                .build();
    }

    /** The SNI-named cluster (Istio's SNI-DNAT cluster): the outbound cluster's policy, no TLS, EDS of the subset. */
    private static void cluster(
            MeshView view,
            MeshService service,
            Optional<DestinationRule> dr,
            String subsetName,
            ServicePort port,
            List<Pod> pods,
            String name,
            PeerAuthentications peers,
            XdsResources.Builder out) {
        Optional<DestinationRule.Subset> subset = dr.flatMap(d ->
                d.subsets().stream().filter(s -> s.name().equals(subsetName)).findFirst());
        Optional<TrafficPolicy> policy = TrafficPolicy.effective(
                dr.flatMap(DestinationRule::trafficPolicy),
                subset.flatMap(DestinationRule.Subset::trafficPolicy),
                port.port());
        Map<String, String> labels = subset.map(DestinationRule.Subset::labels).orElse(Map.of());
        out.cluster(ClusterTranslator.cluster(name, policy, Protocol.TCP));
        out.endpoints(ClusterTranslator.assignment(name, pods, port, labels, peers));
    }
}
