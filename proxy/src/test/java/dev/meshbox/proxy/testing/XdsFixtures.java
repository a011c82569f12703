package dev.meshbox.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Envoy v3 resources shaped as docs/xds-contract.md says the control plane sends them. */
public final class XdsFixtures {

    private XdsFixtures() {}

    private static ConfigSource ads() {
        return ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .build();
    }

    private static Address any(int port) {
        return Address.newBuilder()
                .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port))
                .build();
    }

    /**
     * The HTTP filters Istio puts on a connection manager, in Istio's order: metadata exchange, gRPC stats, ALPN
     * (not inbound), fault, CORS, Istio's stats and the router.
     */
    public static List<HttpFilter> httpFilters(boolean inbound) {
        List<HttpFilter> out = new ArrayList<>();
        out.add(filter(
                "istio.metadata_exchange",
                typedStruct(
                        "type.googleapis.com/io.istio.http.peer_metadata.Config",
                        inbound
                                ? Map.of(
                                        "downstream_discovery",
                                        "istio_headers",
                                        "downstream_propagation",
                                        "istio_headers")
                                : Map.of(
                                        "upstream_discovery",
                                        "istio_headers",
                                        "upstream_propagation",
                                        "istio_headers"))));
        out.add(filter(
                "envoy.filters.http.grpc_stats",
                Any.pack(io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.newBuilder()
                        .setEmitFilterState(true)
                        .build())));
        if (!inbound) {
            out.add(filter("istio.alpn", alpn()));
        }
        out.add(filter("envoy.filters.http.fault", Any.pack(HTTPFault.getDefaultInstance())));
        out.add(filter(
                "envoy.filters.http.cors",
                Any.pack(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDefaultInstance())));
        out.add(filter("istio.stats", typedStruct("type.googleapis.com/stats.PluginConfig", Map.of())));
        out.add(filter("envoy.filters.http.router", Any.pack(Router.getDefaultInstance())));
        return out;
    }

    private static HttpFilter filter(String name, Any config) {
        return HttpFilter.newBuilder().setName(name).setTypedConfig(config).build();
    }

    /** A TypedStruct whose fields are lists with one discovery method each, e.g. {@code [{istio_headers: {}}]}. */
    private static Any typedStruct(String typeUrl, Map<String, String> methods) {
        Struct.Builder fields = Struct.newBuilder();
        methods.forEach((field, method) -> fields.putFields(
                field,
                Value.newBuilder()
                        .setListValue(com.google.protobuf.ListValue.newBuilder()
                                .addValues(Value.newBuilder()
                                        .setStructValue(Struct.newBuilder()
                                                .putFields(
                                                        method,
                                                        Value.newBuilder()
                                                                .setStructValue(Struct.getDefaultInstance())
                                                                .build()))))
                        .build()));
        return Any.pack(com.github.udpa.udpa.type.v1.TypedStruct.newBuilder()
                .setTypeUrl(typeUrl)
                .setValue(fields)
                .build());
    }

    /** Istio's ALPN filter config, packed as Istio packs it: its own message, encoded by field number. */
    public static Any alpn() {
        com.google.protobuf.ByteString.Output bytes = com.google.protobuf.ByteString.newOutput();
        try {
            var out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
            String[][] lists = {
                {"istio-http/1.0", "istio", "http/1.0"},
                {"istio-http/1.1", "istio", "http/1.1"},
                {"istio-h2", "istio", "h2"}
            };
            for (int protocol = 0; protocol < lists.length; protocol++) {
                com.google.protobuf.ByteString.Output entry = com.google.protobuf.ByteString.newOutput();
                var e = com.google.protobuf.CodedOutputStream.newInstance(entry);
                if (protocol != 0) {
                    e.writeEnum(1, protocol);
                }
                for (String alpn : lists[protocol]) {
                    e.writeString(2, alpn);
                }
                e.flush();
                out.writeBytes(1, entry.toByteString());
            }
            out.flush();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Any.newBuilder()
                .setTypeUrl("type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig")
                .setValue(bytes.toByteString())
                .build();
    }

    private static Filter hcm(HttpConnectionManager.Builder m, boolean inbound) {
        return Filter.newBuilder()
                .setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(
                        Any.pack(m.addAllHttpFilters(httpFilters(inbound)).build()))
                .build();
    }

    public static Listener virtualOutbound() {
        return Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(any(15001))
                .setUseOriginalDst(BoolValue.of(true))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .setName("virtualOutbound-catchall-tcp")
                        .addFilters(Filter.newBuilder()
                                .setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(Any.pack(TcpProxy.newBuilder()
                                        .setStatPrefix("PassthroughCluster")
                                        .setCluster("PassthroughCluster")
                                        .build()))))
                .build();
    }

    /** {@code 0.0.0.0_<port>}: not bound, HCM with RDS {@code "<port>"}. */
    public static Listener outboundPort(int port) {
        return Listener.newBuilder()
                .setName("0.0.0.0_" + port)
                .setAddress(any(port))
                .setBindToPort(BoolValue.of(false))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(hcm(
                                HttpConnectionManager.newBuilder()
                                        .setStatPrefix("outbound_0.0.0.0_" + port)
                                        .setRds(Rds.newBuilder()
                                                .setRouteConfigName(Integer.toString(port))
                                                .setConfigSource(ads())),
                                false)))
                .build();
    }

    /** {@code virtualInbound} with one chain per port, each with an inline route to {@code inbound|<port>||}. */
    public static Listener virtualInbound(int... ports) {
        Listener.Builder l = Listener.newBuilder()
                .setName("virtualInbound")
                .setAddress(any(15006))
                .setUseOriginalDst(BoolValue.of(true))
                .setTrafficDirection(TrafficDirection.INBOUND);
        for (int port : ports) {
            String name = "inbound|" + port + "||";
            RouteConfiguration inline = RouteConfiguration.newBuilder()
                    .setName(name)
                    .setValidateClusters(BoolValue.of(false))
                    .addVirtualHosts(VirtualHost.newBuilder()
                            .setName("inbound|http|" + port)
                            .addDomains("*")
                            .addRoutes(route("default", prefix("/"), cluster(name))))
                    .build();
            l.addFilterChains(FilterChain.newBuilder()
                    .setName("0.0.0.0_" + port)
                    .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
                    .addFilters(hcm(
                            HttpConnectionManager.newBuilder()
                                    .setStatPrefix("inbound_0.0.0.0_" + port)
                                    .setRouteConfig(inline),
                            true)));
        }
        return l.build();
    }

    /** A gateway listener {@code 0.0.0.0_<port>} (bound) with RDS {@code http.<port>}. */
    public static Listener gateway(int port) {
        return Listener.newBuilder()
                .setName("0.0.0.0_" + port)
                .setAddress(any(port))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(hcm(
                                HttpConnectionManager.newBuilder()
                                        .setStatPrefix("outbound_0.0.0.0_" + port)
                                        .setUseRemoteAddress(BoolValue.of(true))
                                        .setRds(Rds.newBuilder()
                                                .setRouteConfigName("http." + port)
                                                .setConfigSource(ads())),
                                false)))
                .build();
    }

    public static RouteConfiguration routeConfig(String name, VirtualHost... hosts) {
        return RouteConfiguration.newBuilder()
                .setName(name)
                .setValidateClusters(BoolValue.of(false))
                .addAllVirtualHosts(List.of(hosts))
                .build();
    }

    /** A service's virtual host with all the domains Istio writes. */
    public static VirtualHost service(String name, String ns, int port, Route... routes) {
        String fqdn = name + "." + ns + ".svc.cluster.local";
        return VirtualHost.newBuilder()
                .setName(fqdn + ":" + port)
                .addAllDomains(List.of(
                        fqdn,
                        fqdn + ":" + port,
                        name,
                        name + ":" + port,
                        name + "." + ns,
                        name + "." + ns + ":" + port,
                        name + "." + ns + ".svc",
                        name + "." + ns + ".svc:" + port))
                .addAllRoutes(List.of(routes))
                .build();
    }

    public static VirtualHost allowAny() {
        return VirtualHost.newBuilder()
                .setName("allow_any")
                .addDomains("*")
                .addRoutes(route("allow_any", prefix("/"), cluster("PassthroughCluster")))
                .build();
    }

    public static RouteMatch.Builder prefix(String prefix) {
        return RouteMatch.newBuilder().setPrefix(prefix);
    }

    public static RouteMatch.Builder headerExact(String prefix, String header, String value) {
        return prefix(prefix)
                .addHeaders(HeaderMatcher.newBuilder()
                        .setName(header)
                        .setStringMatch(StringMatcher.newBuilder().setExact(value)));
    }

    public static RouteAction.Builder cluster(String cluster) {
        return RouteAction.newBuilder().setCluster(cluster);
    }

    public static RouteAction.Builder weighted(Map<String, Integer> weights) {
        WeightedCluster.Builder w = WeightedCluster.newBuilder();
        weights.forEach((name, weight) -> w.addClusters(
                WeightedCluster.ClusterWeight.newBuilder().setName(name).setWeight(UInt32Value.of(weight))));
        return RouteAction.newBuilder().setWeightedClusters(w);
    }

    /** Istio's default retry policy. */
    public static RetryPolicy istioRetries() {
        return RetryPolicy.newBuilder()
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                .setNumRetries(UInt32Value.of(2))
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts"))
                .setHostSelectionRetryMaxAttempts(5)
                .build();
    }

    /** A route with Istio's defaults: timeout 0s and the default retry policy, unless the action sets them. */
    public static Route route(String name, RouteMatch.Builder match, RouteAction.Builder action) {
        RouteAction.Builder a = action.clone();
        if (!a.hasTimeout()) {
            a.setTimeout(Duration.newBuilder().setSeconds(0));
        }
        if (!a.hasRetryPolicy()) {
            a.setRetryPolicy(istioRetries());
        }
        return Route.newBuilder()
                .setName(name)
                .setMatch(match)
                .setRoute(a)
                .setMetadata(Metadata.newBuilder()
                        .putFilterMetadata(
                                "istio",
                                Struct.newBuilder()
                                        .putFields(
                                                "config",
                                                Value.newBuilder()
                                                        .setStringValue(
                                                                "/apis/networking.istio.io/v1/namespaces/default/virtual-service/"
                                                                        + name)
                                                        .build())
                                        .build()))
                .build();
    }

    public static Route withFault(Route route, HTTPFault fault) {
        return route.toBuilder()
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault))
                .build();
    }

    public static Cluster edsCluster(String name, Cluster.LbPolicy lb) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ads())
                        .setServiceName(name))
                .setConnectTimeout(Duration.newBuilder().setSeconds(10))
                .setLbPolicy(lb)
                .build();
    }

    public static Cluster staticCluster(String name, String ip, int port) {
        Cluster.Builder c = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Duration.newBuilder().setSeconds(10));
        if (ip != null) {
            c.setLoadAssignment(cla(name, ip + ":" + port));
        } else {
            c.setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name));
        }
        return c.build();
    }

    public static Cluster passthrough() {
        return Cluster.newBuilder()
                .setName("PassthroughCluster")
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setConnectTimeout(Duration.newBuilder().setSeconds(10))
                .build();
    }

    /** A load assignment over {@code ip:port} endpoints, all HEALTHY, one locality, with Istio metadata. */
    public static ClusterLoadAssignment cla(String name, String... endpoints) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (String e : endpoints) {
            String[] parts = e.split(":");
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(Endpoint.newBuilder()
                            .setAddress(Address.newBuilder()
                                    .setSocketAddress(SocketAddress.newBuilder()
                                            .setAddress(parts[0])
                                            .setPortValue(Integer.parseInt(parts[1])))))
                    .setHealthStatus(HealthStatus.HEALTHY)
                    .setMetadata(Metadata.newBuilder()
                            .putFilterMetadata(
                                    "istio",
                                    Struct.newBuilder()
                                            .putFields(
                                                    "pod",
                                                    Value.newBuilder()
                                                            .setStringValue("pod-" + parts[0])
                                                            .build())
                                            .putFields(
                                                    "namespace",
                                                    Value.newBuilder()
                                                            .setStringValue("default")
                                                            .build())
                                            .build())));
        }
        return ClusterLoadAssignment.newBuilder()
                .setClusterName(name)
                .addEndpoints(locality)
                .build();
    }

    public static <T> List<T> list(List<T> base, T extra) {
        List<T> out = new ArrayList<>(base);
        out.add(extra);
        return out;
    }

    /** Istio's Zipkin tracing at {@code random} %, with a literal and a request-header custom tag. */
    public static io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    .Tracing
            zipkinTracing(double random) {
        return io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing
                .newBuilder()
                .setClientSampling(
                        io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(100))
                .setRandomSampling(
                        io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(random))
                .setOverallSampling(
                        io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(100))
                .addCustomTags(io.envoyproxy.envoy.type.tracing.v3.CustomTag.newBuilder()
                        .setTag("istio.canonical_service")
                        .setLiteral(io.envoyproxy.envoy.type.tracing.v3.CustomTag.Literal.newBuilder()
                                .setValue("productpage")))
                .addCustomTags(io.envoyproxy.envoy.type.tracing.v3.CustomTag.newBuilder()
                        .setTag("user")
                        .setRequestHeader(io.envoyproxy.envoy.type.tracing.v3.CustomTag.Header.newBuilder()
                                .setName("end-user")
                                .setDefaultValue("nobody")))
                .setProvider(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                        .setName("envoy.tracers.zipkin")
                        .setTypedConfig(com.google.protobuf.Any.pack(
                                io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.newBuilder()
                                        .setCollectorCluster("outbound|9411||zipkin.istio-system.svc.cluster.local")
                                        .setCollectorEndpoint("/api/v2/spans")
                                        .setCollectorEndpointVersion(
                                                io.envoyproxy.envoy.config.trace.v3.ZipkinConfig
                                                        .CollectorEndpointVersion.HTTP_JSON)
                                        .setTraceId128Bit(true)
                                        .setSharedSpanContext(com.google.protobuf.BoolValue.of(false))
                                        .build())))
                .build();
    }

    /** Every connection manager of {@code l} with {@code t}. */
    public static Listener withTracing(
            Listener l,
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing t) {
        Listener.Builder b = l.toBuilder();
        for (io.envoyproxy.envoy.config.listener.v3.FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
            for (io.envoyproxy.envoy.config.listener.v3.Filter.Builder f : chain.getFiltersBuilderList()) {
                if (f.getName().equals("envoy.filters.network.http_connection_manager")) {
                    try {
                        io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                                hcm = f.getTypedConfig()
                                        .unpack(
                                                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager
                                                        .v3.HttpConnectionManager.class);
                        f.setTypedConfig(com.google.protobuf.Any.pack(
                                hcm.toBuilder().setTracing(t).build()));
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        return b.build();
    }
}
