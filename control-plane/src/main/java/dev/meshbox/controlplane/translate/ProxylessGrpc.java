package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the control plane serves a proxyless gRPC client (a grpc-java channel with an {@code xds:///host:port} target and
 * a bootstrap naming MeshBox's ADS server), as Istio's {@code grpcgen} does for nodes whose metadata says
 * {@code GENERATOR: grpc}:
 *
 * <ul>
 *   <li>LDS: a Listener named exactly {@code host:port} for every name a client of the namespace may write (the FQDN;
 *       for its own namespace's services also the short name, {@code name.ns}, {@code name.ns.svc}), holding an {@code api_listener}
 *       HttpConnectionManager with the fault and router filters and RDS over ADS;
 *   <li>RDS: the route configuration named by the cluster key {@code outbound|port||fqdn}, holding the one virtual host
 *       of that service as a sidecar of the namespace has it (the VirtualService's weights, matches, faults, retries),
 *       with only what gRPC supports (routes that forward; per-filter configs of the fault filter; a VirtualService's
 *       timeout as {@code max_stream_duration}, as Istio's {@code setTimeout} does for proxyless clients);
 *   <li>CDS: {@code outbound|port|subset|fqdn} clusters of type EDS over ADS, round robin (ring hash for a
 *       DestinationRule's consistent hash) with only {@code max_requests} as circuit breaker (gRFC A32);
 *   <li>EDS: the sidecar's assignments of those clusters (locality weighted, which gRPC requires).
 * </ul>
 *
 * <p>gRPC asks for listeners by name, and java-control-plane answers an ADS request only once every name asked for is
 * in the snapshot, so the snapshot holds every name a client could ask for rather than what was asked.
 */
public final class ProxylessGrpc {

    private static final Set<String> GRPC_FILTER_CONFIGS = Set.of(Names.FAULT);

    private ProxylessGrpc() {}

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProxylessGrpc.class);

    /**
     * {@link #translate}, or null (logged) when it fails: a translator bug must not stop the sidecars' rebuild, and the
     * proxyless clients then keep their last snapshot.
     */
    public static XdsResources translateOrNull(MeshView view, String namespace) {
        try {
            return translate(view, namespace);
        } catch (RuntimeException e) {
            LOG.error("proxyless gRPC resources for namespace {} not rebuilt", namespace, e);
            return null;
        }
    }

    /** The resources of proxyless gRPC clients of {@code namespace}. */
    public static XdsResources translate(MeshView view, String namespace) {
        // Routes, clusters and endpoints as a plain sidecar of the namespace gets them; reshaped for gRPC below.
        Pod client =
                new Pod("proxyless-grpc", namespace, "127.0.0.1", "127.0.0.1", Map.of(), Pod.ProxyKind.SIDECAR, true);
        XdsResources sidecar = Translator.translate(view, client);
        Map<String, RouteConfiguration> sidecarRoutes = new HashMap<>();
        sidecar.routes().forEach(rc -> sidecarRoutes.put(rc.getName(), rc));
        Map<String, Cluster> sidecarClusters = new HashMap<>();
        sidecar.clusters().forEach(c -> sidecarClusters.put(c.getName(), c));
        Map<String, ClusterLoadAssignment> sidecarEndpoints = new HashMap<>();
        sidecar.endpoints().forEach(e -> sidecarEndpoints.put(e.getClusterName(), e));

        TreeMap<String, Listener> listeners = new TreeMap<>();
        TreeMap<String, RouteConfiguration> routes = new TreeMap<>();
        TreeMap<String, Cluster> clusters = new TreeMap<>();
        TreeMap<String, ClusterLoadAssignment> endpoints = new TreeMap<>();
        for (MeshService s : view.registry().servicesSorted()) {
            if (s.fromServiceEntry()) {
                continue; // a ServiceEntry's hosts are outside the mesh: gRPC clients reach them by DNS
            }
            for (ServicePort port : s.ports()) {
                String key = Names.outboundCluster(port.port(), "", s.fqdn());
                for (String name : listenerHosts(s, namespace)) {
                    listeners.put(name + ":" + port.port(), listener(name + ":" + port.port(), key));
                }
                RouteConfiguration rc = routeConfiguration(key, s, port.port(), sidecarRoutes);
                routes.put(key, rc);
                String prefix = "outbound|" + port.port() + "|";
                String suffix = "|" + s.fqdn();
                for (Cluster c : sidecar.clusters()) {
                    if (c.getName().startsWith(prefix) && c.getName().endsWith(suffix)) {
                        clusters.put(c.getName(), cluster(c));
                        ClusterLoadAssignment cla = sidecarEndpoints.get(c.getName());
                        endpoints.put(
                                c.getName(),
                                cla != null
                                        ? cla
                                        : ClusterLoadAssignment.newBuilder()
                                                .setClusterName(c.getName())
                                                .build());
                    }
                }
                if (!clusters.containsKey(key)) {
                    clusters.put(key, cluster(Cluster.newBuilder().setName(key).build()));
                    endpoints.put(
                            key,
                            ClusterLoadAssignment.newBuilder()
                                    .setClusterName(key)
                                    .build());
                }
            }
        }
        return new XdsResources(
                List.copyOf(listeners.values()),
                List.copyOf(routes.values()),
                List.copyOf(clusters.values()),
                List.copyOf(endpoints.values()),
                sidecar.warnings());
    }

    /**
     * The hosts a client of {@code namespace} may name a service by, as Istio's {@code tryFindFQDN}: the FQDN, and for a
     * service of its own namespace also {@code name}, {@code name.ns} and {@code name.ns.svc} (Istio expands only the
     * node's own namespace's short forms).
     */
    static List<String> listenerHosts(MeshService s, String namespace) {
        String ns = s.name() + "." + s.namespace();
        return s.namespace().equals(namespace) ? List.of(s.fqdn(), s.name(), ns, ns + ".svc") : List.of(s.fqdn());
    }

    /** The prefix of the listener names gRPC servers ask for, Istio's {@code ServerListenerNamePrefix}. */
    public static final String SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";

    /**
     * {@code r} plus the listeners a node's gRPC servers ({@code XdsServerBuilder}) asked for, as Istio's
     * {@code buildInboundListeners}: named as asked ({@code xds.istio.io/grpc/lds/inbound/HOST:PORT}), bound to that
     * address, one plaintext filter chain {@code inbound-plaintext} whose HCM has an inline route configuration with a
     * non-forwarding route for everything and the router filter; no listener filters (gRPC would NACK them). A name that
     * is not {@code HOST:PORT} is left out.
     */
    public static XdsResources withServerListeners(XdsResources r, java.util.Collection<String> names) {
        List<Listener> extra = new java.util.ArrayList<>();
        for (String name : names) {
            if (!name.startsWith(SERVER_LISTENER_PREFIX)) {
                continue;
            }
            String address = name.substring(SERVER_LISTENER_PREFIX.length());
            int colon = address.lastIndexOf(':');
            if (colon < 1) {
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            String host = address.substring(0, colon).replace("[", "").replace("]", "");
            extra.add(serverListener(name, host, port));
        }
        return new XdsResources(
                XdsResources.mergeByName(r.listeners(), extra, Listener::getName),
                r.routes(),
                r.clusters(),
                r.endpoints(),
                r.warnings());
    }

    private static Listener serverListener(String name, String host, int port) {
        io.envoyproxy.envoy.config.route.v3.RouteConfiguration inbound = RouteConfiguration.newBuilder()
                .setName("inbound")
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("inbound|" + port)
                        .addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                                        .setPrefix("/"))
                                .setNonForwardingAction(
                                        io.envoyproxy.envoy.config.route.v3.NonForwardingAction.getDefaultInstance())))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("inbound_" + port)
                .setRouteConfig(inbound)
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.ROUTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                        .setSocketAddress(io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder()
                                .setAddress(host)
                                .setPortValue(port)))
                .addFilterChains(io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder()
                        .setName("inbound-plaintext")
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder()
                                .setName("inbound-hcmplaintext")
                                .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    private static Listener listener(String name, String routeName) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setRds(Rds.newBuilder().setConfigSource(ClusterTranslator.ADS).setRouteConfigName(routeName))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.FAULT)
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.ROUTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build();
    }

    private static RouteConfiguration routeConfiguration(
            String key, MeshService s, int port, Map<String, RouteConfiguration> sidecarRoutes) {
        RouteConfiguration sidecar = sidecarRoutes.get(Names.sidecarRoute(port));
        VirtualHost vh = null;
        if (sidecar != null) {
            for (VirtualHost v : sidecar.getVirtualHostsList()) {
                if (v.getName().equals(s.fqdn() + ":" + port)) {
                    vh = v;
                }
            }
        }
        VirtualHost.Builder out = VirtualHost.newBuilder().setName(s.fqdn() + ":" + port);
        if (vh == null) {
            for (String d : Names.sidecarDomains(s, s.namespace())) {
                out.addDomains(d).addDomains(d + ":" + port);
            }
            out.addRoutes(RouteTranslator.defaultRoute(key, List.of()));
        } else {
            out.addAllDomains(vh.getDomainsList());
            for (Route r : vh.getRoutesList()) {
                if (r.hasRoute()) {
                    out.addRoutes(forGrpc(r));
                }
            }
        }
        out.addDomains("*"); // the listener names this one route configuration; its authority is any of the names
        return RouteConfiguration.newBuilder().setName(key).addVirtualHosts(out).build();
    }

    @SuppressWarnings("deprecation")
    private static Route forGrpc(Route r) {
        Route.Builder b = r.toBuilder();
        b.clearTypedPerFilterConfig();
        r.getTypedPerFilterConfigMap().forEach((name, config) -> {
            if (GRPC_FILTER_CONFIGS.contains(name)) {
                b.putTypedPerFilterConfig(name, config);
            }
        });
        RouteAction.Builder action = b.getRouteBuilder();
        com.google.protobuf.Duration timeout =
                positive(action.getTimeout()) ? action.getTimeout() : action.getMaxGrpcTimeout();
        action.clearMaxGrpcTimeout();
        if (positive(timeout)) {
            action.setMaxStreamDuration(
                    RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(timeout));
        }
        action.clearRequestMirrorPolicies();
        return b.build();
    }

    private static boolean positive(com.google.protobuf.Duration d) {
        return d.getSeconds() > 0 || d.getNanos() > 0;
    }

    /** An EDS cluster as gRPC takes it: load balancing it knows, and only {@code max_requests} of the limits. */
    private static Cluster cluster(Cluster sidecar) {
        Cluster.Builder c = Cluster.newBuilder()
                .setName(sidecar.getName())
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ClusterTranslator.ADS)
                        .setServiceName(sidecar.getName()));
        if (sidecar.getLbPolicy() == Cluster.LbPolicy.RING_HASH) {
            c.setLbPolicy(Cluster.LbPolicy.RING_HASH);
            if (sidecar.hasRingHashLbConfig()) {
                c.setRingHashLbConfig(sidecar.getRingHashLbConfig());
            }
        } else {
            c.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
        }
        for (CircuitBreakers.Thresholds t : sidecar.getCircuitBreakers().getThresholdsList()) {
            if (t.hasMaxRequests()) {
                c.setCircuitBreakers(CircuitBreakers.newBuilder()
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(t.getMaxRequests())));
                break;
            }
        }
        return c.build();
    }
}
