package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A gateway's servers that carry opaque bytes, as Istio's {@code buildGatewayListeners} for non-HTTP servers: a
 * {@code TCP} (or {@code MONGO}) server gets a listener on the server's port whose {@code tcp_proxy} follows the first
 * {@code tcp:} rule of the VirtualServices bound to the gateway; a {@code TLS} or {@code HTTPS} server with
 * {@code tls.mode: PASSTHROUGH} gets a listener with {@code tls_inspector} and one chain per {@code tls:} match, chosen
 * by the ClientHello's SNI ({@code server_names} = {@code sniHosts}) without terminating; a connection whose SNI no
 * rule names matches no chain and is closed. The listener binds the gateway pod's port for the server port
 * ({@link Names#gatewayListenerPort}: 443 to 8443, other ports as they are, so 31400 is 31400).
 *
 * <p>{@code tls.mode: AUTO_PASSTHROUGH} servers get their chains from {@link GatewayAutoPassthrough}.
 *
 * <p>Used by {@link Translator}'s gateway translation for the servers it does not serve as HTTP; other helpers (an
 * egress gateway's PASSTHROUGH server) reuse {@link #add} and {@link #listeners}.
 */
final class GatewayL4 {

    private final MeshView view;
    private final Pod proxy;
    private final XdsResources.Builder out;
    /** Listener port to its chains, in the order servers and rules give them. */
    private final Map<Integer, List<FilterChain>> chains = new TreeMap<>();

    private final Map<Integer, Set<String>> named = new TreeMap<>();
    private final Set<Integer> tcpTaken = new java.util.HashSet<>();

    GatewayL4(MeshView view, Pod proxy, XdsResources.Builder out) {
        this.view = view;
        this.proxy = proxy;
        this.out = out;
    }

    /** Whether the gateway serves {@code server} as TCP or TLS passthrough (it then took it). */
    boolean add(Gateway gw, Gateway.Server server) {
        String protocol = server.protocol().toUpperCase(Locale.ROOT);
        if ((protocol.equals("TLS") || protocol.equals("HTTPS")) && GatewayAutoPassthrough.applies(server)) {
            int listenerPort = Names.gatewayListenerPort(server.port());
            Set<String> taken = named.computeIfAbsent(listenerPort, p -> new LinkedHashSet<>());
            chains.computeIfAbsent(listenerPort, p -> new ArrayList<>())
                    .addAll(GatewayAutoPassthrough.chains(view, proxy, server, listenerPort, taken, out));
            return true;
        }
        boolean tcp = protocol.equals("TCP") || protocol.equals("MONGO");
        boolean passthrough = (protocol.equals("TLS") || protocol.equals("HTTPS"))
                && "PASSTHROUGH".equals(server.tls().mode());
        if (!tcp && !passthrough) {
            return false;
        }
        int port = server.port();
        int listenerPort = Names.gatewayListenerPort(port);
        List<FilterChain> portChains = chains.computeIfAbsent(listenerPort, p -> new ArrayList<>());
        RouteTranslator.Context ctx = new RouteTranslator.Context(
                view, gw.meta().namespace() + "/" + gw.meta().name(), port, proxy.labels(), proxy.namespace());
        for (VirtualService vs : view.gatewayVirtualServices(gw)) {
            if (vs.hosts().stream().noneMatch(h -> Translator.hostAllowed(server.hosts(), h))) {
                continue;
            }
            if (tcp) {
                if (tcpTaken.contains(listenerPort)) {
                    continue;
                }
                Optional<TcpProxy.Builder> p = L4Routes.tcpRoute(ctx, vs, port, out);
                if (p.isPresent()) {
                    tcpTaken.add(listenerPort);
                    portChains.add(L4Routes.chain(vs.meta().display() + " spec.tcp", listenerPort, List.of(), p.get()));
                }
            } else {
                Set<String> taken = named.computeIfAbsent(listenerPort, p -> new LinkedHashSet<>());
                portChains.addAll(L4Routes.tlsChains(ctx, vs, port, listenerPort, taken, out));
            }
        }
        if (portChains.isEmpty()) {
            out.warn(gw.meta().display() + ": server port " + port + " (" + protocol
                    + (passthrough ? " PASSTHROUGH" : "") + ") has no " + (tcp ? "tcp:" : "tls:")
                    + " route of a VirtualService bound to the gateway; its connections are closed");
        }
        return true;
    }

    /** The listeners for the servers taken; a port without chains gets none (nothing listens there). */
    List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners() {
        List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners = new ArrayList<>();
        chains.forEach((port, list) -> {
            if (!list.isEmpty()) {
                listeners.add(L4Routes.listener(port, list));
            }
        });
        return listeners;
    }

    /** The ports taken, so the HTTP translation leaves them alone. */
    Set<Integer> ports() {
        return chains.keySet();
    }
}
