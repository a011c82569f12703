package dev.meshbox.controlplane.translate;

import com.google.protobuf.BoolValue;
import dev.meshbox.controlplane.config.AuthorizationPolicy;
import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.GlobalNames;
import dev.meshbox.controlplane.config.PeerAuthentication;
import dev.meshbox.controlplane.config.ServiceEntry;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The pure function at the heart of the control plane: (applied config, registry, one proxy) to that proxy's
 * Envoy resources. Nothing here touches the network or throws for bad user config; problems become warnings.
 */
public final class Translator {

    private Translator() {}

    public static XdsResources translate(MeshView view, Pod proxy) {
        return translateAll(view, List.of(proxy)).get(0);
    }

    /**
     * Every proxy's resources, as {@link #translate} gives them one by one, computed once per proxy group: proxies
     * whose {@link GroupKey} is equal get the very same {@link XdsResources} instance. Inside a group's resources each
     * type's list is shared further with every group that agrees on what that type depends on (the outbound
     * endpoints with all proxies, the routes with a namespace, the listeners with the same inbound ports), so the
     * xDS server versions and snapshots a list once however many proxies hold it. A mesh of 1000 sidecars of a few
     * deployments is then a few translations, not 1000.
     */
    public static List<XdsResources> translateAll(MeshView view, List<Pod> proxies) {
        Shared shared = new Shared(view);
        Map<GroupKey, XdsResources> groups = new HashMap<>();
        List<XdsResources> out = new ArrayList<>(proxies.size());
        TracingTranslator tracing = new TracingTranslator(view);
        NetworkEndpoints networks = NetworkEndpoints.of(view);
        LocalityEndpoints.PerProxy locality = new LocalityEndpoints.PerProxy(view);
        for (Pod proxy : proxies) {
            // Other networks' endpoints become their east-west gateway first; priorities then apply per locality.
            out.add(locality.apply(
                    proxy,
                    networks.apply(
                            proxy,
                            tracing.apply(
                                    proxy,
                                    groups.computeIfAbsent(shared.groupKey(proxy), k -> shared.translate(k, proxy))))));
        }
        return out;
    }

    /**
     * Everything of a proxy its resources depend on; proxies with equal keys get equal resources. The pod's IP is not
     * part of it: listeners bind 0.0.0.0 and EDS hands out other pods' addresses. Its app address is, for the inbound
     * clusters, and its labels are only when a VirtualService matches on {@code sourceLabels} (for sidecars) or always
     * (for gateways, which Gateways select by label).
     */
    record GroupKey(
            Pod.ProxyKind role,
            String namespace,
            Map<String, String> labels,
            List<Integer> inboundPorts,
            String appAddress,
            List<HttpFilter> authorization,
            Map<Integer, PeerAuthentication.Mode> inboundTls,
            Map<Integer, Protocol> inboundProtocols,
            List<Object> sidecar) {}

    /** What one rebuild translates once for all proxies; confined to the rebuilding thread. */
    private static final class Shared {
        private final MeshView view;
        private final List<MeshService> services;
        private final Map<Integer, List<MeshService>> byPort = new TreeMap<>();
        /** Whether some VirtualService matches on sourceLabels: only then do sidecar routes depend on pod labels. */
        private final boolean labelsMatter;
        /** Whether some service names its pods (Docker aliases): only then does a pod's name choose its services. */
        private final boolean membersMatter;

        private final Map<List<Object>, Map<Integer, Protocol>> inboundPorts = new HashMap<>();
        private final List<AuthorizationPolicy> policies;
        private final PeerAuthentications peerAuthentications;
        private final SidecarScopes sidecarScopes;
        private final Map<List<Object>, List<Listener>> sidecarListeners = new HashMap<>();
        private final Map<List<Object>, XdsResources> routesByNamespace = new HashMap<>();
        private final Map<List<Object>, List<Cluster>> sidecarClusters = new HashMap<>();
        private final Map<List<Object>, XdsResources> sidecarTcpListeners = new HashMap<>();
        private final Map<List<Object>, List<ClusterLoadAssignment>> endpointsBySidecar = new HashMap<>();
        private XdsResources outbound;
        private List<Cluster> outboundAndSpecial;

        Shared(MeshView view) {
            this.view = view;
            this.labelsMatter = view.config().all(VirtualService.class).stream()
                            .flatMap(vs -> vs.http().stream())
                            .flatMap(r -> r.match().stream())
                            .anyMatch(m -> !m.sourceLabels().isEmpty())
                    || JwtFilters.labelsMatter(view)
                    || L4Routes.labelsMatter(view);
            this.services = view.registry().servicesSorted();
            this.policies = view.config().all(AuthorizationPolicy.class);
            this.peerAuthentications = PeerAuthentications.of(view.config());
            this.sidecarScopes =
                    SidecarScopes.of(view.config(), view.registry().pods().values());
            this.membersMatter = services.stream().anyMatch(s -> !s.members().isEmpty());
            for (MeshService s : services) {
                for (ServicePort p : s.ports()) {
                    byPort.computeIfAbsent(p.port(), k -> new ArrayList<>()).add(s);
                }
            }
            if (VirtualServiceHosts.needed(view)) {
                byPort.computeIfAbsent(VirtualServiceHosts.PORT, k -> new ArrayList<>());
            }
        }

        GroupKey groupKey(Pod proxy) {
            if (proxy.role() == Pod.ProxyKind.GATEWAY) {
                return new GroupKey(
                        proxy.role(),
                        proxy.namespace(),
                        proxy.labels(),
                        List.of(),
                        "",
                        authorization(proxy, w -> {}),
                        Map.of(),
                        Map.of(),
                        List.of());
            }
            Map<Integer, Protocol> protocols = inboundPorts(proxy);
            List<Integer> ports = List.copyOf(protocols.keySet());
            return new GroupKey(
                    proxy.role(),
                    proxy.namespace(),
                    labelsMatter ? proxy.labels() : Map.of(),
                    ports,
                    proxy.appAddress(),
                    authorization(proxy, w -> {}),
                    inboundTls(proxy, ports),
                    protocols,
                    sidecarScopes.of(proxy).key());
        }

        /**
         * The PeerAuthentication mode of each inbound port; none where the mesh has no mTLS and no policy is applied
         * to the workload (its inbound stays plaintext only).
         */
        private Map<Integer, PeerAuthentication.Mode> inboundTls(Pod proxy, List<Integer> ports) {
            PeerAuthentications.Effective effective = peerAuthentications.effective(proxy.namespace(), proxy.labels());
            if (!view.security().autoMtls() && !effective.explicit()) {
                return Map.of();
            }
            Map<Integer, PeerAuthentication.Mode> modes = new TreeMap<>();
            ports.forEach(p -> modes.put(p, effective.at(p)));
            return Map.copyOf(modes);
        }

        /** The workload's RBAC filters; they carry its labels into the key only where a policy selects by them. */
        private List<HttpFilter> authorization(Pod proxy, java.util.function.Consumer<String> warn) {
            return AuthorizationTranslator.filters(
                    policies, proxy, view.security().extensionProviders(), warn);
        }

        /**
         * The target ports of the services the pod belongs to, ascending, each with the protocol of the first service
         * port (services sorted) that forwards to it.
         */
        private Map<Integer, Protocol> inboundPorts(Pod proxy) {
            List<dev.meshbox.controlplane.config.Sidecar.Ingress> ingress =
                    sidecarScopes.of(proxy).ingress();
            if (!ingress.isEmpty()) {
                return SidecarTranslation.inboundPorts(ingress);
            }
            List<Object> key = List.of(proxy.namespace(), proxy.labels(), membersMatter ? proxy.name() : "");
            return inboundPorts.computeIfAbsent(key, k -> {
                TreeMap<Integer, Protocol> ports = new TreeMap<>();
                for (MeshService s : view.registry().servicesOf(proxy)) {
                    s.ports().forEach(p -> ports.putIfAbsent(p.targetPort(), p.selectedProtocol()));
                }
                return java.util.Collections.unmodifiableMap(ports);
            });
        }

        /** The resources of the group {@code key}, of which {@code proxy} is one member. */
        XdsResources translate(GroupKey key, Pod proxy) {
            if (key.role() == Pod.ProxyKind.GATEWAY) {
                XdsResources.Builder out = XdsResources.builder();
                out.add(outbound());
                out.clusters(ClusterTranslator.special());
                gateway(view, proxy, key.authorization(), out);
                authorization(proxy, out::warn);
                return out.build();
            }
            SidecarScopes.Scope scope = sidecarScopes.of(proxy);
            dev.meshbox.controlplane.config.OutboundTrafficPolicy policy =
                    scope.policy(view.security().outboundTrafficPolicy());
            Map<Integer, List<MeshService>> ports = SidecarTranslation.visiblePorts(byPort, scope);
            Map<Integer, List<MeshService>> httpPorts = L4Routes.httpPorts(ports);
            XdsResources routes =
                    routesByNamespace.computeIfAbsent(List.of(key.namespace(), key.labels(), key.sidecar()), k -> {
                        XdsResources.Builder b = XdsResources.builder();
                        httpPorts.forEach((port, portServices) ->
                                b.route(sidecarRoutes(view, proxy, port, portServices, scope, b)));
                        return b.build();
                    });
            XdsResources.Builder jwtWarnings = XdsResources.builder();
            Optional<HttpFilter> jwt = JwtFilters.filter(view, proxy, jwtWarnings);
            List<HttpFilter> security = HttpFilters.security(jwt, key.authorization());
            List<Listener> listeners = sidecarListeners.computeIfAbsent(
                    List.of(key.inboundProtocols(), security, key.inboundTls(), policy, ports.keySet()), k -> {
                        XdsResources.Builder b = XdsResources.builder();
                        b.listener(ListenerTranslator.virtualOutbound(policy));
                        httpPorts.keySet().forEach(port -> b.listener(ListenerTranslator.outboundPort(port)));
                        b.listener(
                                ListenerTranslator.virtualInbound(key.inboundProtocols(), security, key.inboundTls()));
                        return b.build().listeners();
                    });
            List<Object> l4Key = List.of(
                    key.namespace(), key.labels(), key.inboundProtocols().keySet(), key.sidecar());
            XdsResources l4 = sidecarTcpListeners.computeIfAbsent(
                    l4Key,
                    k -> L4Routes.sidecarOutbound(
                            view, proxy, ports, key.inboundProtocols().keySet()));
            listeners = l4.listeners().isEmpty()
                    ? listeners
                    : XdsResources.mergeByName(listeners, l4.listeners(), Listener::getName);
            List<Cluster> clusters = sidecarClusters.computeIfAbsent(
                    List.of(key.inboundProtocols(), key.appAddress(), key.sidecar()), k -> {
                        List<Cluster> inbound = new ArrayList<>();
                        Map<Integer, Integer> targets = SidecarTranslation.inboundTargets(scope.ingress());
                        key.inboundProtocols()
                                .forEach((port, protocol) -> inbound.add(ClusterTranslator.inbound(
                                        proxy, port, targets.getOrDefault(port, port), protocol)));
                        List<Cluster> outboundClusters =
                                SidecarTranslation.visible(outboundAndSpecial(), Cluster::getName, byPort, scope);
                        return XdsResources.mergeByName(outboundClusters, inbound, Cluster::getName);
                    });
            List<String> warnings = new ArrayList<>(outbound().warnings());
            sidecarScopes.warnings().stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
            routes.warnings().stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
            l4.warnings().stream().filter(w -> !warnings.contains(w)).forEach(warnings::add);
            jwtWarnings.build().warnings().stream()
                    .filter(w -> !warnings.contains(w))
                    .forEach(warnings::add);
            authorization(proxy, w -> {
                if (!warnings.contains(w)) {
                    warnings.add(w);
                }
            });
            List<ClusterLoadAssignment> endpoints = endpointsBySidecar.computeIfAbsent(
                    key.sidecar(),
                    k -> SidecarTranslation.visible(
                            outbound().endpoints(), ClusterLoadAssignment::getClusterName, byPort, scope));
            return new XdsResources(listeners, routes.routes(), clusters, endpoints, List.copyOf(warnings));
        }

        /** The outbound clusters and endpoints of every service port, with their warnings. */
        XdsResources outbound() {
            if (outbound == null) {
                XdsResources.Builder b = XdsResources.builder();
                Map<String, List<Pod>> byLabel = readyPodsByLabel();
                for (MeshService service : services) {
                    List<Pod> pods = endpoints(service, byLabel);
                    for (ServicePort port : service.ports()) {
                        ClusterTranslator.outbound(view, peerAuthentications, service, pods, port, b);
                    }
                }
                view.virtualServices().warnings().forEach(b::warn);
                peerAuthentications.warnings().forEach(b::warn);
                GatewayBindings.warnings(view).forEach(b::warn);
                GlobalNames.warnings(view.config().all(ServiceEntry.class)).forEach(b::warn);
                LocalityLbWarnings.warnings(view).forEach(b::warn);
                outbound = b.build();
            }
            return outbound;
        }

        /** The outbound clusters plus the special ones (passthrough, black hole) every proxy has, sorted by name. */
        private List<Cluster> outboundAndSpecial() {
            if (outboundAndSpecial == null) {
                outboundAndSpecial = XdsResources.builder()
                        .clusters(outbound().clusters())
                        .clusters(ClusterTranslator.special())
                        .build()
                        .clusters();
            }
            return outboundAndSpecial;
        }

        /** Ready pods by "namespace, label=value", so a service's endpoints are found without scanning every pod. */
        private Map<String, List<Pod>> readyPodsByLabel() {
            Map<String, List<Pod>> index = new HashMap<>();
            for (Pod p : view.registry().pods().values()) {
                if (p.ready()) {
                    p.labels()
                            .forEach((k, v) -> index.computeIfAbsent(
                                            p.namespace() + "\0" + k + "=" + v, x -> new ArrayList<>())
                                    .add(p));
                }
            }
            return index;
        }

        /** What {@code registry.endpoints(service)} returns: ready pods the selector picks or the members name. */
        private List<Pod> endpoints(MeshService service, Map<String, List<Pod>> byLabel) {
            if (!service.members().isEmpty()) {
                return view.registry().endpoints(service); // Docker's alias membership: rare, scan
            }
            if (service.selector().isEmpty()) {
                return List.of();
            }
            Map.Entry<String, String> first =
                    service.selector().entrySet().iterator().next();
            List<Pod> out = new ArrayList<>();
            for (Pod p : byLabel.getOrDefault(
                    service.namespace() + "\0" + first.getKey() + "=" + first.getValue(), List.of())) {
                if (service.includes(p)) {
                    out.add(p);
                }
            }
            out.sort(java.util.Comparator.comparing(Pod::name));
            return out;
        }
    }

    private static RouteConfiguration sidecarRoutes(
            MeshView view,
            Pod proxy,
            int port,
            List<MeshService> services,
            SidecarScopes.Scope scope,
            XdsResources.Builder out) {
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder()
                .setName(Names.sidecarRoute(port))
                .setValidateClusters(BoolValue.of(false));
        RouteTranslator.Context ctx =
                new RouteTranslator.Context(view, VirtualService.MESH, port, proxy.labels(), proxy.namespace());
        for (MeshService s : services) {
            if (s.fromServiceEntry()
                    && !ServiceEntries.entryOf(view.config(), s).visibleFrom(proxy.namespace())) {
                continue; // exportTo hides the entry from this namespace's sidecars
            }
            VirtualHost.Builder vh = VirtualHost.newBuilder().setName(s.fqdn() + ":" + port);
            List<String> domains = new ArrayList<>(Names.sidecarDomains(s, proxy.namespace()));
            if (s.fromServiceEntry()) {
                // As Istio's generateVirtualHostDomains: an entry's virtual IPs (not its CIDRs) name the host too.
                ServiceEntries.entryOf(view.config(), s).addresses().stream()
                        .filter(a -> !a.contains("/"))
                        .forEach(domains::add);
            }
            for (String d : domains) {
                vh.addDomains(d).addDomains(d + ":" + port);
            }
            List<VirtualService> vss = view.meshVirtualServices(s);
            List<Route> routes = new ArrayList<>();
            if (!vss.isEmpty()) {
                // Istio uses the first VirtualService for a host; later ones for the same host are ignored (IST0109).
                routes.addAll(RouteTranslator.routes(ctx, vss.get(0), out));
                for (VirtualService ignored : vss.subList(1, vss.size())) {
                    out.warn(ignored.meta().display() + ": host " + s.fqdn() + " is already routed by "
                            + vss.get(0).meta().display() + "; this VirtualService is ignored for it (IST0109)");
                }
            }
            if (routes.isEmpty()) {
                // As Istio: a VirtualService giving no route here (all rules left out) leaves the service's default.
                routes.add(RouteTranslator.defaultRoute(
                        Names.outboundCluster(port, "", s.fqdn()),
                        RouteTranslator.hashPolicy(view, s, java.util.Optional.empty())));
            }
            vh.addAllRoutes(routes);
            rc.addVirtualHosts(vh);
        }
        if (port == VirtualServiceHosts.PORT) {
            VirtualServiceHosts.addTo(
                    ctx, rc, out, (host, vs) -> scope.visible(host, vs.meta().namespace(), VirtualServiceHosts.PORT));
        }
        rc.addVirtualHosts(unknownHosts(scope.policy(view.security().outboundTrafficPolicy())));
        return rc.build();
    }

    /**
     * The last virtual host of every sidecar route configuration, for hosts the mesh does not know, as Istio's
     * {@code BuildCatchAllVirtualHost}: ALLOW_ANY's {@code allow_any} passes them to {@code PassthroughCluster};
     * REGISTRY_ONLY's {@code block_all} answers 502 itself (a direct response: no response flag).
     */
    static VirtualHost unknownHosts(dev.meshbox.controlplane.config.OutboundTrafficPolicy policy) {
        if (policy == dev.meshbox.controlplane.config.OutboundTrafficPolicy.REGISTRY_ONLY) {
            return VirtualHost.newBuilder()
                    .setName("block_all")
                    .addDomains("*")
                    .addRoutes(Route.newBuilder()
                            .setName("block_all")
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setDirectResponse(io.envoyproxy.envoy.config.route.v3.DirectResponseAction.newBuilder()
                                    .setStatus(502)))
                    .build();
        }
        return VirtualHost.newBuilder()
                .setName("allow_any")
                .addDomains("*")
                .addRoutes(Route.newBuilder()
                        .setName("allow_any")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder()
                                .setCluster(Names.PASSTHROUGH)
                                .setTimeout(com.google.protobuf.util.Durations.fromSeconds(0))))
                .build();
    }

    private static void gateway(MeshView view, Pod proxy, List<HttpFilter> authorization, XdsResources.Builder out) {
        // listener port -> route configuration name, and listener port -> host -> virtual host (merged across Gateways)
        Map<Integer, String> routeNames = new TreeMap<>();
        Map<Integer, Map<String, VirtualHost.Builder>> hosts = new TreeMap<>();
        Optional<HttpFilter> jwt = JwtFilters.filter(view, proxy, out);
        GatewayL4 l4 = new GatewayL4(view, proxy, out);
        List<GatewayTls.Server> tlsServers = new ArrayList<>();
        for (Gateway gw : view.gateways()) {
            if (gw.selector().isEmpty()
                    || !gw.selector().entrySet().stream()
                            .allMatch(e -> e.getValue().equals(proxy.labels().get(e.getKey())))) {
                continue;
            }
            for (Gateway.Server server : gw.servers()) {
                if (server.protocol().equals("HTTPS") && server.terminatesTls()) {
                    tlsServers.add(new GatewayTls.Server(gw, server));
                    continue;
                }
                // The servers not served as HTTP: TCP, and TLS PASSTHROUGH by SNI (GatewayL4).
                if (!server.protocol().equals("HTTP") && !server.protocol().equals("HTTP2")) {
                    if (l4.add(gw, server)) {
                        continue; // TCP, or TLS passthrough by SNI
                    }
                    out.warn(gw.meta().display() + ": server port " + server.port() + " protocol " + server.protocol()
                            + " is not simulated yet; only HTTP servers and HTTPS servers terminating TLS are served");
                    continue;
                }
                int port = server.port();
                // The gateway pod listens on the Service's target port (80 -> 8080, 443 -> 8443), as Istio's does.
                int listenerPort = Names.gatewayListenerPort(port);
                routeNames.putIfAbsent(listenerPort, Names.gatewayRoute(port));
                GatewayVirtualHosts.add(
                        view,
                        proxy,
                        gw,
                        server,
                        hosts.computeIfAbsent(listenerPort, p -> new java.util.LinkedHashMap<>()),
                        out);
            }
        }
        l4.listeners().forEach(out::listener);
        GatewayTls.translate(view, proxy, tlsServers, HttpFilters.security(jwt, authorization), out);
        hosts.forEach((listenerPort, byHost) -> {
            // As Istio's gateway routes: a Host's port does not take part in choosing the virtual host.
            RouteConfiguration.Builder rc = RouteConfiguration.newBuilder()
                    .setName(routeNames.get(listenerPort))
                    .setValidateClusters(BoolValue.of(false))
                    .setIgnorePortInHostMatching(true);
            byHost.values().forEach(rc::addVirtualHosts);
            out.listener(ListenerTranslator.gatewayPort(
                    listenerPort,
                    rc.getName(),
                    HttpFilters.security(jwt, authorization),
                    // Only where auto mTLS sends it (a gateway pod labelled tlsMode istio, as an egress gateway).
                    view.security().autoMtls() && MutualTls.meshed(proxy)));
            out.route(rc.build());
        });
    }

    /** Whether a VirtualService host is exposed by a gateway server's hosts ({@code *}, {@code ns/host}, wildcards). */
    static boolean hostAllowed(List<String> serverHosts, String host) {
        for (String raw : serverHosts) {
            String h = raw.contains("/") ? raw.substring(raw.indexOf('/') + 1) : raw;
            if (h.equals("*") || h.equals(host) || host.equals("*")) {
                return true;
            }
            if (h.startsWith("*.") && host.endsWith(h.substring(1))) {
                return true;
            }
        }
        return false;
    }
}
