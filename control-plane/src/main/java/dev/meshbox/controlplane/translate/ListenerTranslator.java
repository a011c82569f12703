package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.meshbox.controlplane.config.PeerAuthentication;
import dev.meshbox.controlplane.registry.Protocol;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;

/** Istio's listener layout: virtualOutbound, one virtual listener per service port, virtualInbound; gateway ports. */
final class ListenerTranslator {

    private ListenerTranslator() {}

    static Listener virtualOutbound() {
        return virtualOutbound(dev.meshbox.controlplane.config.OutboundTrafficPolicy.ALLOW_ANY);
    }

    /**
     * {@code virtualOutbound} with Istio's {@code PassthroughFilterChain}: traffic to a port no service uses goes to
     * {@code PassthroughCluster} under ALLOW_ANY, to {@code BlackHoleCluster} under REGISTRY_ONLY.
     */
    static Listener virtualOutbound(dev.meshbox.controlplane.config.OutboundTrafficPolicy policy) {
        String cluster = policy == dev.meshbox.controlplane.config.OutboundTrafficPolicy.REGISTRY_ONLY
                ? Names.BLACKHOLE
                : Names.PASSTHROUGH;
        TcpProxy passthrough =
                TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build();
        return Listener.newBuilder()
                .setName(Names.VIRTUAL_OUTBOUND)
                .setAddress(ClusterTranslator.socket("0.0.0.0", Names.OUTBOUND_PORT))
                .setUseOriginalDst(BoolValue.of(true))
                .addFilterChains(FilterChain.newBuilder()
                        .setName(Names.VIRTUAL_OUTBOUND + "-catchall-tcp")
                        .addFilters(Filter.newBuilder().setName(Names.TCP_PROXY).setTypedConfig(Any.pack(passthrough))))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND)
                .build();
    }

    /** {@code 0.0.0.0_9080}: not bound itself; virtualOutbound hands it the requests for port 9080. */
    static Listener outboundPort(int port) {
        String name = Names.outboundListener(port);
        HttpConnectionManager hcm = hcm(
                        "outbound_" + name, HttpFilters.ListenerClass.SIDECAR_OUTBOUND, java.util.List.of())
                .setRds(Rds.newBuilder()
                        .setConfigSource(ClusterTranslator.ADS)
                        .setRouteConfigName(Names.sidecarRoute(port)))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setAddress(ClusterTranslator.socket("0.0.0.0", port))
                .setBindToPort(BoolValue.of(false))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName(Names.HCM).setTypedConfig(Any.pack(hcm))))
                .build();
    }

    /**
     * {@code virtualInbound}: filter chains per pod port, each routing to {@code inbound|<port>||}. Where a port has a
     * PeerAuthentication mode its chains are Istio's ({@code filterchain_options.go}): STRICT only the mTLS chain (TLS
     * with an Istio ALPN, terminated with a client certificate required), so plaintext matches no chain and the
     * connection closes; PERMISSIVE that chain and a plaintext one; DISABLE only the plaintext one. A port without a
     * mode (a mesh without mTLS) gets one chain for any transport.
     *
     * @param security RequestAuthentication's {@code jwt_authn} and AuthorizationPolicy's RBAC filters for the
     *     workload, in chain order ({@link HttpFilters#security}); empty when none applies
     * @param ports the pod ports, each with its protocol: an HTTP2, GRPC or GRPC-Web port's connection manager gets
     *     {@code http2_protocol_options} as Istio's {@code buildSidecarInboundHTTPOpts} writes them (the codec stays
     *     AUTO, so HTTP/1.1 and prior-knowledge h2c both arrive)
     * @param modes the effective PeerAuthentication mode per port ({@link PeerAuthentications}); empty when the mesh
     *     has no mTLS
     */
    static Listener virtualInbound(
            java.util.Map<Integer, Protocol> ports,
            java.util.List<HttpFilter> security,
            java.util.Map<Integer, PeerAuthentication.Mode> modes) {
        Listener.Builder l = Listener.newBuilder()
                .setName(Names.VIRTUAL_INBOUND)
                .setAddress(ClusterTranslator.socket("0.0.0.0", Names.INBOUND_PORT))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3
                                .OriginalDst.getDefaultInstance())));
        for (var entry : ports.entrySet()) {
            int port = entry.getKey();
            String cluster = Names.inboundCluster(port);
            RouteConfiguration route = RouteConfiguration.newBuilder()
                    .setName(cluster)
                    .setValidateClusters(BoolValue.of(false))
                    .addVirtualHosts(VirtualHost.newBuilder()
                            .setName("inbound|http|" + port)
                            .addDomains("*")
                            .addRoutes(Route.newBuilder()
                                    .setName("default")
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    .setRoute(RouteAction.newBuilder()
                                            .setCluster(cluster)
                                            .setTimeout(com.google.protobuf.util.Durations.fromSeconds(0)))))
                    .build();
            HttpConnectionManager.Builder inbound = hcm(
                            "inbound_0.0.0.0_" + port, HttpFilters.ListenerClass.SIDECAR_INBOUND, security)
                    .setRouteConfig(route);
            if (entry.getValue().isHttp2()) {
                inbound.setHttp2ProtocolOptions(
                        io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance());
            }
            HttpConnectionManager hcm = inbound.build();
            FilterChainMatch.Builder match = FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port));
            PeerAuthentication.Mode mode = modes.get(port);
            if (mode == PeerAuthentication.Mode.STRICT || mode == PeerAuthentication.Mode.PERMISSIVE) {
                HttpConnectionManager mtlsHcm = hcm.toBuilder()
                        .setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD)
                        .setSetCurrentClientCertDetails(HttpConnectionManager.SetCurrentClientCertDetails.newBuilder()
                                .setSubject(BoolValue.of(true))
                                .setUri(true)
                                .setDns(true))
                        .build();
                l.addFilterChains(FilterChain.newBuilder()
                        .setName("0.0.0.0_" + port + "_mtls")
                        .setFilterChainMatch(match.clone()
                                .setTransportProtocol("tls")
                                .addAllApplicationProtocols(MutualTls.ISTIO_ALPNS))
                        .setTransportSocket(MutualTls.downstreamTls())
                        .addFilters(
                                entry.getValue().isTcp()
                                        ? L4Routes.inboundTcpProxy(port)
                                        : Filter.newBuilder()
                                                .setName(Names.HCM)
                                                .setTypedConfig(Any.pack(mtlsHcm))
                                                .build()));
            }
            if (mode == PeerAuthentication.Mode.STRICT) {
                continue; // no chain for raw_buffer: plaintext is refused
            }
            if (mode != null) {
                match.setTransportProtocol("raw_buffer");
            }
            l.addFilterChains(FilterChain.newBuilder()
                    .setName("0.0.0.0_" + port)
                    .setFilterChainMatch(match)
                    .addFilters(
                            entry.getValue().isTcp()
                                    ? L4Routes.inboundTcpProxy(port)
                                    : Filter.newBuilder()
                                            .setName(Names.HCM)
                                            .setTypedConfig(Any.pack(hcm))
                                            .build()));
        }
        if (!modes.isEmpty()) {
            l.addListenerFilters(
                    0,
                    ListenerFilter.newBuilder()
                            .setName("envoy.filters.listener.tls_inspector")
                            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3
                                    .TlsInspector.getDefaultInstance())));
        }
        return l.build();
    }

    /** A gateway server port: bound, routes from {@code http.<port>}. */
    static Listener gatewayPort(int port, String routeName, java.util.List<HttpFilter> security) {
        return gatewayPort(port, routeName, security, false);
    }

    /**
     * As above; with {@code mtls} (a mesh with auto mTLS, a gateway pod labelled {@code security.istio.io/tlsMode:
     * istio}, which auto mTLS sends Istio mTLS to: an egress gateway a VirtualService routes mesh traffic to) the port
     * also takes Istio mTLS from sidecars: a TLS chain with Istio's ALPNs beside the plaintext one.
     */
    static Listener gatewayPort(int port, String routeName, java.util.List<HttpFilter> security, boolean mtls) {
        Listener plain = plainGatewayPort(port, routeName, security);
        return mtls ? GatewayMtls.withMeshChain(plain) : plain;
    }

    private static Listener plainGatewayPort(int port, String routeName, java.util.List<HttpFilter> security) {
        String name = Names.outboundListener(port);
        HttpConnectionManager hcm = hcm("outbound_" + name, HttpFilters.ListenerClass.GATEWAY, security)
                .setRds(Rds.newBuilder().setConfigSource(ClusterTranslator.ADS).setRouteConfigName(routeName))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setAddress(ClusterTranslator.socket("0.0.0.0", port))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName(Names.HCM).setTypedConfig(Any.pack(hcm))))
                .build();
    }

    /** A gateway filter chain's connection manager, its routes from RDS {@code routeName}. */
    static Filter gatewayHcm(int port, String routeName, java.util.List<HttpFilter> security) {
        HttpConnectionManager hcm = hcm(
                        "outbound_" + Names.outboundListener(port), HttpFilters.ListenerClass.GATEWAY, security)
                .setRds(Rds.newBuilder().setConfigSource(ClusterTranslator.ADS).setRouteConfigName(routeName))
                .build();
        return Filter.newBuilder()
                .setName(Names.HCM)
                .setTypedConfig(Any.pack(hcm))
                .build();
    }

    private static HttpConnectionManager.Builder hcm(
            String statPrefix, HttpFilters.ListenerClass listenerClass, java.util.List<HttpFilter> security) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .addAllHttpFilters(HttpFilters.of(listenerClass, security));
    }
}
