package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.config.VirtualService.L4Match;
import dev.meshbox.controlplane.config.VirtualService.L4Route;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * VirtualService {@code tcp:} and {@code tls:} rules to Envoy, as Istio's {@code buildSidecarOutboundTCPListenerOpts}
 * and {@code buildGatewayNetworkFiltersFromTCPRoutes}/{@code TLSRoutes}: listeners whose filter chains carry a
 * {@code tcp_proxy} to the rule's cluster (or {@code weighted_clusters}), chosen by destination port and, for TLS, by
 * the ClientHello's SNI ({@code server_names} from {@code sniHosts}, read by {@code tls_inspector} without
 * terminating).
 *
 * <p>How an app reaches a TCP service through its sidecar in MeshBox: apps use the sidecar's 15001 as an HTTP proxy,
 * but a TCP connection has no Host header to route by. So a sidecar binds an outbound listener {@code 0.0.0.0_<port>}
 * on its own pod address at each port where the mesh's services are TCP or TLS (Istio: port names {@code tcp-*},
 * {@code tls-*}, {@code https-*}, {@code mongo-*}..., or {@code appProtocol}); the app connects to its pod address at the
 * service port, as an app in Kubernetes connects to the service's address at that port and iptables sends it to the
 * sidecar. One TCP service per port (the first by name wins, with a warning): without cluster IPs only SNI tells TLS
 * services of one port apart. A port the pod itself serves (its inbound) keeps the inbound listener.
 */
final class L4Routes {

    private L4Routes() {}

    /** Whether some {@code tcp:} or {@code tls:} match names source labels: sidecar listeners then depend on them. */
    static boolean labelsMatter(MeshView view) {
        return view.config().all(VirtualService.class).stream()
                .flatMap(vs -> java.util.stream.Stream.concat(vs.tcp().stream(), vs.tls().stream()))
                .flatMap(r -> r.match().stream())
                .anyMatch(m -> !m.sourceLabels().isEmpty());
    }

    /** Whether every service on the port speaks opaque TCP or TLS: the port gets a bound TCP listener, not HTTP. */
    static boolean tcpOnly(List<MeshService> services, int port) {
        if (services.isEmpty()) {
            return false;
        }
        for (MeshService s : services) {
            for (ServicePort p : s.ports()) {
                if (p.port() == port && !p.selectedProtocol().isTcp()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Protocol protocolAt(MeshService s, int port) {
        return s.ports().stream()
                .filter(p -> p.port() == port)
                .findFirst()
                .map(ServicePort::selectedProtocol)
                .orElse(Protocol.TCP);
    }

    private static boolean isTls(Protocol p) {
        return p == Protocol.TLS || p == Protocol.HTTPS;
    }

    /** The inbound chain's filter for a TCP port: {@code tcp_proxy} to {@code inbound|<port>||}. */
    static Filter inboundTcpProxy(int port) {
        String cluster = Names.inboundCluster(port);
        return tcpProxyFilter(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster));
    }

    static Filter tcpProxyFilter(TcpProxy.Builder p) {
        return Filter.newBuilder()
                .setName(Names.TCP_PROXY)
                .setTypedConfig(Any.pack(p.build()))
                .build();
    }

    /**
     * The ports a sidecar serves as HTTP (a virtual listener {@code 0.0.0.0_<port>} and route configuration
     * {@code <port>} each): all but the TCP-only ones, which get no route configuration, as Istio's.
     */
    static Map<Integer, List<MeshService>> httpPorts(Map<Integer, List<MeshService>> byPort) {
        Map<Integer, List<MeshService>> out = new java.util.TreeMap<>();
        byPort.forEach((port, services) -> {
            if (!tcpOnly(services, port)) {
                out.put(port, services);
            }
        });
        return out;
    }

    /** {@link #sidecarOutbound(MeshView, Pod, Map, Set, XdsResources.Builder)}'s listeners with its warnings. */
    static XdsResources sidecarOutbound(
            MeshView view, Pod proxy, Map<Integer, List<MeshService>> byPort, Set<Integer> inboundPorts) {
        XdsResources.Builder b = XdsResources.builder();
        sidecarOutbound(view, proxy, byPort, inboundPorts, b).forEach(b::listener);
        return b.build();
    }

    /**
     * The sidecar's outbound TCP listeners: one per TCP-only port of {@code byPort} that is not one of the pod's own
     * {@code inboundPorts}.
     */
    static List<Listener> sidecarOutbound(
            MeshView view,
            Pod proxy,
            Map<Integer, List<MeshService>> byPort,
            Set<Integer> inboundPorts,
            XdsResources.Builder out) {
        List<Listener> listeners = new ArrayList<>();
        byPort.forEach((port, services) -> {
            if (!tcpOnly(services, port) || inboundPorts.contains(port)) {
                return;
            }
            List<FilterChain> chains = new ArrayList<>();
            boolean tcpChain = false;
            for (MeshService s : services) {
                if (s.fromServiceEntry()
                        && !ServiceEntries.entryOf(view.config(), s).visibleFrom(proxy.namespace())) {
                    continue;
                }
                RouteTranslator.Context ctx =
                        new RouteTranslator.Context(view, VirtualService.MESH, port, proxy.labels(), proxy.namespace());
                List<VirtualService> vss = view.meshVirtualServices(s);
                Optional<VirtualService> vs = vss.isEmpty() ? Optional.empty() : Optional.of(vss.get(0));
                String defaultCluster = Names.outboundCluster(port, "", s.fqdn());
                if (isTls(protocolAt(s, port))) {
                    Set<String> named = new LinkedHashSet<>();
                    vs.ifPresent(v -> chains.addAll(tlsChains(ctx, v, port, port, named, out)));
                    List<String> own = new ArrayList<>(Names.sidecarDomains(s, proxy.namespace()));
                    own.removeIf(named::contains);
                    if (!own.isEmpty()) {
                        chains.add(chain(
                                "outbound|" + port + "||" + s.fqdn(),
                                port,
                                own,
                                TcpProxy.newBuilder()
                                        .setStatPrefix(defaultCluster)
                                        .setCluster(defaultCluster)));
                    }
                    continue;
                }
                if (tcpChain) {
                    out.warn("port " + port + ": TCP service " + s.fqdn() + " shares the port with another TCP"
                            + " service; without cluster IPs only the first (by name) is reachable at the port");
                    continue;
                }
                tcpChain = true;
                TcpProxy.Builder proxyConfig = vs.flatMap(v -> tcpRoute(ctx, v, port, out))
                        .orElse(TcpProxy.newBuilder()
                                .setStatPrefix(defaultCluster)
                                .setCluster(defaultCluster));
                chains.add(chain(defaultCluster, port, List.of(), proxyConfig));
            }
            if (!chains.isEmpty()) {
                listeners.add(listener(port, chains));
            }
        });
        return listeners;
    }

    /**
     * A listener on {@code port} binding the pod (or gateway) address, with {@code tls_inspector} when a chain
     * matches on server names.
     */
    static Listener listener(int port, List<FilterChain> chains) {
        Listener.Builder l = Listener.newBuilder()
                .setName(Names.outboundListener(port))
                .setAddress(ClusterTranslator.socket("0.0.0.0", port))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addAllFilterChains(chains);
        if (chains.stream().anyMatch(c -> c.getFilterChainMatch().getServerNamesCount() > 0)) {
            l.addListenerFilters(ListenerFilter.newBuilder()
                    .setName("envoy.filters.listener.tls_inspector")
                    .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        }
        return l.build();
    }

    static FilterChain chain(String name, int port, List<String> serverNames, TcpProxy.Builder proxy) {
        FilterChainMatch.Builder match = FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port));
        match.addAllServerNames(serverNames);
        return FilterChain.newBuilder()
                .setName(name)
                .setFilterChainMatch(match)
                .addFilters(tcpProxyFilter(proxy))
                .build();
    }

    /** The first {@code tcp:} rule of {@code vs} that takes connections here, as a {@code tcp_proxy}. */
    static Optional<TcpProxy.Builder> tcpRoute(
            RouteTranslator.Context ctx, VirtualService vs, int port, XdsResources.Builder out) {
        for (int i = 0; i < vs.tcp().size(); i++) {
            L4Route rule = vs.tcp().get(i);
            if (rule.match().isEmpty() || rule.match().stream().anyMatch(m -> applies(ctx, vs, m, port))) {
                return proxyTo(ctx, vs, rule, vs.meta().display() + " spec.tcp[" + i + "]", out);
            }
        }
        return Optional.empty();
    }

    /**
     * One chain per {@code tls:} match that applies here, in rule order, its server names the match's
     * {@code sniHosts}; {@code named} collects the names taken.
     */
    static List<FilterChain> tlsChains(
            RouteTranslator.Context ctx,
            VirtualService vs,
            int port,
            int chainPort,
            Set<String> named,
            XdsResources.Builder out) {
        List<FilterChain> chains = new ArrayList<>();
        for (int i = 0; i < vs.tls().size(); i++) {
            L4Route rule = vs.tls().get(i);
            for (int j = 0; j < rule.match().size(); j++) {
                L4Match m = rule.match().get(j);
                if (!applies(ctx, vs, m, port)) {
                    continue;
                }
                List<String> names = m.sniHosts().stream().filter(named::add).toList();
                if (names.isEmpty()) {
                    continue; // an earlier rule took these names, as Envoy's first matching chain would
                }
                String where = vs.meta().display() + " spec.tls[" + i + "]";
                Optional<TcpProxy.Builder> p = proxyTo(ctx, vs, rule, where, out);
                if (p.isPresent()) {
                    chains.add(chain(where + ".match[" + j + "]", chainPort, names, p.get()));
                }
            }
        }
        return chains;
    }

    /** Whether a match takes connections at {@code port} from the context's proxy through the context's gateway. */
    private static boolean applies(RouteTranslator.Context ctx, VirtualService vs, L4Match m, int port) {
        if (m.port().isPresent() && m.port().get() != port) {
            return false;
        }
        List<String> gateways = m.gateways().isEmpty() ? vs.effectiveGateways() : m.gateways();
        boolean gatewayOk = gateways.stream()
                .anyMatch(g -> g.equals(ctx.gatewayName())
                        || ctx.gatewayName().endsWith("/" + g)
                        || g.endsWith("/" + ctx.gatewayName()));
        if (!gatewayOk) {
            return false;
        }
        if (m.sourceNamespace().isPresent() && !m.sourceNamespace().get().equals(ctx.proxyNamespace())) {
            return false;
        }
        return m.sourceLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(ctx.proxyLabels().get(e.getKey())));
    }

    /** The rule's destinations as a {@code tcp_proxy}: one cluster, or weighted clusters; empty when none resolves. */
    private static Optional<TcpProxy.Builder> proxyTo(
            RouteTranslator.Context ctx, VirtualService vs, L4Route rule, String where, XdsResources.Builder out) {
        List<String> clusters = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (int k = 0; k < rule.route().size(); k++) {
            RouteDestination d = rule.route().get(k);
            Optional<String> cluster =
                    RouteTranslator.cluster(ctx, vs, d.destination(), where + ".route[" + k + "]", out);
            int weight = d.weight().orElse(rule.route().size() == 1 ? 100 : 0);
            if (cluster.isPresent() && (weight > 0 || rule.route().size() == 1)) {
                clusters.add(cluster.get());
                weights.add(weight);
            }
        }
        if (clusters.isEmpty()) {
            return Optional.empty();
        }
        if (clusters.size() == 1) {
            return Optional.of(
                    TcpProxy.newBuilder().setStatPrefix(clusters.get(0)).setCluster(clusters.get(0)));
        }
        TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
        for (int k = 0; k < clusters.size(); k++) {
            weighted.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                    .setName(clusters.get(k))
                    .setWeight(weights.get(k)));
        }
        return Optional.of(TcpProxy.newBuilder()
                .setStatPrefix(vs.meta().name() + "." + vs.meta().namespace())
                .setWeightedClusters(weighted));
    }
}
