package dev.meshbox.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.meshbox.proxy.spec.IstioProtos;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.time.Instant;
import java.util.Map;

/** Renders the accepted resources in the shape of Envoy's {@code /config_dump}. */
public final class ConfigDumpRenderer {

    private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(ConfigDump.getDescriptor())
            .add(ListenersConfigDump.getDescriptor())
            .add(ClustersConfigDump.getDescriptor())
            .add(RoutesConfigDump.getDescriptor())
            .add(EndpointsConfigDump.getDescriptor())
            .add(Listener.getDescriptor())
            .add(Cluster.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(HTTPFault.getDescriptor())
            .add(TcpProxy.getDescriptor())
            .add(FilterConfig.getDescriptor())
            // Types Istio's (and MeshBox's) control plane embeds in listeners, routes and clusters.
            .add(io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor())
            .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
            .add(com.github.xds.type.v3.TypedStruct.getDescriptor())
            .add(IstioProtos.ALPN_FILTER_CONFIG)
            // Tracing: the connection managers' Zipkin provider.
            .add(io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor())
            // Mutual TLS: transport sockets, the TLS inspector, SDS secrets.
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(io.envoyproxy.envoy.admin.v3.SecretsConfigDump.getDescriptor())
            .build();

    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().usingTypeRegistry(TYPES).preservingProtoFieldNames();

    private ConfigDumpRenderer() {}

    public static String render(ConfigApplier applier, Map<String, XdsTypeStatus> status)
            throws InvalidProtocolBufferException {
        ListenersConfigDump.Builder listeners =
                ListenersConfigDump.newBuilder().setVersionInfo(version(status, TypeUrls.LISTENER));
        applier.listeners()
                .forEach((name, a) -> listeners.addDynamicListeners(ListenersConfigDump.DynamicListener.newBuilder()
                        .setName(name)
                        .setActiveState(ListenersConfigDump.DynamicListenerState.newBuilder()
                                .setVersionInfo(a.version())
                                .setListener(Any.pack(a.resource()))
                                .setLastUpdated(timestamp(a.lastUpdated())))));
        ClustersConfigDump.Builder clusters =
                ClustersConfigDump.newBuilder().setVersionInfo(version(status, TypeUrls.CLUSTER));
        applier.clusters()
                .forEach((name, a) -> clusters.addDynamicActiveClusters(ClustersConfigDump.DynamicCluster.newBuilder()
                        .setVersionInfo(a.version())
                        .setCluster(Any.pack(a.resource()))
                        .setLastUpdated(timestamp(a.lastUpdated()))));
        RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
        applier.routes()
                .forEach((name, a) -> routes.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder()
                        .setVersionInfo(a.version())
                        .setRouteConfig(Any.pack(a.resource()))
                        .setLastUpdated(timestamp(a.lastUpdated()))));
        EndpointsConfigDump.Builder endpoints = EndpointsConfigDump.newBuilder();
        applier.endpoints()
                .forEach((name, a) ->
                        endpoints.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                                .setVersionInfo(a.version())
                                .setEndpointConfig(Any.pack(a.resource()))
                                .setLastUpdated(timestamp(a.lastUpdated()))));
        var secrets = io.envoyproxy.envoy.admin.v3.SecretsConfigDump.newBuilder();
        applier.secrets()
                .forEach((name, a) -> secrets.addDynamicActiveSecrets(
                        io.envoyproxy.envoy.admin.v3.SecretsConfigDump.DynamicSecret.newBuilder()
                                .setName(name)
                                .setVersionInfo(a.version())
                                .setLastUpdated(timestamp(a.lastUpdated()))
                                .setSecret(Any.pack(redacted(a.resource())))));
        ConfigDump dump = ConfigDump.newBuilder()
                .addConfigs(Any.pack(listeners.build()))
                .addConfigs(Any.pack(clusters.build()))
                .addConfigs(Any.pack(routes.build()))
                .addConfigs(Any.pack(endpoints.build()))
                .addConfigs(Any.pack(secrets.build()))
                .build();
        return PRINTER.print(dump);
    }

    /** A secret with its private key replaced by {@code [redacted]}, as Envoy's admin prints it. */
    private static io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret redacted(
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret s) {
        if (!s.hasTlsCertificate()) {
            return s;
        }
        var b = s.toBuilder();
        b.getTlsCertificateBuilder()
                .setPrivateKey(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                        .setInlineString("[redacted]"));
        return b.build();
    }

    private static String version(Map<String, XdsTypeStatus> status, String type) {
        XdsTypeStatus s = status.get(type);
        return s == null ? "" : s.acceptedVersion();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }
}
