package dev.meshbox.proxy.spec;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.route.RouteTable;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;

/** Turns an LDS {@code Listener} into a {@link ListenerSpec}; problems are IllegalArgumentExceptions. */
public final class ListenerConverter {

    public static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
    public static final String TCP_PROXY_FILTER = "envoy.filters.network.tcp_proxy";
    public static final String VIRTUAL_INBOUND = "virtualInbound";

    private ListenerConverter() {}

    public static ListenerSpec convert(Listener l) {
        return convert(l, HttpFilterTypes.builtIn());
    }

    /** As {@link #convert(Listener)}, with the HTTP filters {@code filters} knows. */
    public static ListenerSpec convert(Listener l, HttpFilterTypes filters) {
        String where = "listener " + l.getName();
        if (l.getName().isEmpty()) {
            throw new IllegalArgumentException("listener: name is required");
        }
        if (!l.getAddress().hasSocketAddress()) {
            throw new IllegalArgumentException(where + ".address.socket_address: is required");
        }
        int port = l.getAddress().getSocketAddress().getPortValue();
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException(
                    where + ".address.socket_address.port_value: must be in [1, 65535], got " + port);
        }
        boolean bind = !l.hasBindToPort() || l.getBindToPort().getValue();
        ListenerSpec.Direction direction = l.getTrafficDirection() == TrafficDirection.INBOUND
                        || (l.getTrafficDirection() == TrafficDirection.UNSPECIFIED
                                && VIRTUAL_INBOUND.equals(l.getName()))
                ? ListenerSpec.Direction.INBOUND
                : ListenerSpec.Direction.OUTBOUND;
        List<FilterChainSpec> chains = new ArrayList<>();
        for (int i = 0; i < l.getFilterChainsCount(); i++) {
            chains.add(chain(l.getFilterChains(i), where + ".filter_chains[" + i + "]", filters));
        }
        if (l.hasDefaultFilterChain()) {
            chains.add(chain(l.getDefaultFilterChain(), where + ".default_filter_chain", filters));
        }
        boolean originalDst = l.hasUseOriginalDst() && l.getUseOriginalDst().getValue();
        return new ListenerSpec(l.getName(), port, bind, originalDst, direction, chains);
    }

    private static FilterChainSpec chain(FilterChain chain, String where, HttpFilterTypes filters) {
        Integer destinationPort = chain.getFilterChainMatch().hasDestinationPort()
                ? chain.getFilterChainMatch().getDestinationPort().getValue()
                : null;
        HcmSpec hcm = null;
        String tcpCluster = null;
        TcpProxySpec tcpProxy = null;
        for (int i = 0; i < chain.getFiltersCount(); i++) {
            Filter filter = chain.getFilters(i);
            String fWhere = where + ".filters[" + i + "] (" + filter.getName() + ")";
            Any config = filter.getTypedConfig();
            try {
                if (config.is(HttpConnectionManager.class)) {
                    hcm = hcm(config.unpack(HttpConnectionManager.class), fWhere + ".typed_config", filters);
                } else if (config.is(TcpProxy.class)) {
                    tcpProxy = tcpProxy(config.unpack(TcpProxy.class), fWhere + ".typed_config");
                    tcpCluster = tcpProxy.cluster();
                } else if (HCM_FILTER.equals(filter.getName()) || TCP_PROXY_FILTER.equals(filter.getName())) {
                    throw new IllegalArgumentException(
                            fWhere + ".typed_config: unexpected type " + config.getTypeUrl());
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(fWhere + ".typed_config: " + e.getMessage(), e);
            }
        }
        String transport = chain.getFilterChainMatch().getTransportProtocol();
        DownstreamTlsSpec tls = chain.hasTransportSocket()
                ? TransportSocketConverter.downstream(chain.getTransportSocket(), where + ".transport_socket")
                : null;
        return new FilterChainSpec(
                chain.getName(),
                destinationPort,
                hcm,
                tcpCluster,
                transport.isEmpty() ? null : transport,
                tls,
                chain.getFilterChainMatch().getServerNamesList(),
                hcm == null ? tcpProxy : null);
    }

    /** A {@code tcp_proxy}: one of {@code cluster} or {@code weighted_clusters}, the weights positive. */
    static TcpProxySpec tcpProxy(TcpProxy p, String where) {
        java.time.Duration idle = p.hasIdleTimeout()
                ? java.time.Duration.ofSeconds(
                        p.getIdleTimeout().getSeconds(), p.getIdleTimeout().getNanos())
                : TcpProxySpec.DEFAULT_IDLE_TIMEOUT;
        switch (p.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (p.getCluster().isEmpty()) {
                    throw new IllegalArgumentException(where + ".cluster: must not be empty");
                }
                return new TcpProxySpec(p.getStatPrefix(), p.getCluster(), List.of(), idle);
            }
            case WEIGHTED_CLUSTERS -> {
                List<TcpProxySpec.WeightedCluster> weighted = new ArrayList<>();
                var clusters = p.getWeightedClusters().getClustersList();
                for (int i = 0; i < clusters.size(); i++) {
                    var c = clusters.get(i);
                    if (c.getName().isEmpty()) {
                        throw new IllegalArgumentException(
                                where + ".weighted_clusters.clusters[" + i + "].name: must not be empty");
                    }
                    weighted.add(new TcpProxySpec.WeightedCluster(c.getName(), c.getWeight()));
                }
                if (weighted.stream()
                                .mapToLong(TcpProxySpec.WeightedCluster::weight)
                                .sum()
                        <= 0) {
                    throw new IllegalArgumentException(
                            where + ".weighted_clusters: the weights must add up to more than 0");
                }
                return new TcpProxySpec(p.getStatPrefix(), null, weighted, idle);
            }
            default -> throw new IllegalArgumentException(where + ": one of cluster or weighted_clusters is required");
        }
    }

    private static HcmSpec hcm(HttpConnectionManager m, String where, HttpFilterTypes filters) {
        boolean remote = m.hasUseRemoteAddress() && m.getUseRemoteAddress().getValue();
        HcmSpec.ForwardClientCert xfcc = switch (m.getForwardClientCertDetails()) {
            case APPEND_FORWARD -> HcmSpec.ForwardClientCert.APPEND_FORWARD;
            case SANITIZE_SET -> HcmSpec.ForwardClientCert.SANITIZE_SET;
            case FORWARD_ONLY, ALWAYS_FORWARD_ONLY -> HcmSpec.ForwardClientCert.FORWARD_ONLY;
            default -> HcmSpec.ForwardClientCert.SANITIZE;
        };
        switch (m.getRouteSpecifierCase()) {
            case RDS -> {
                if (m.getRds().getRouteConfigName().isEmpty()) {
                    throw new IllegalArgumentException(where + ".rds.route_config_name: must not be empty");
                }
                return new HcmSpec(
                        m.getStatPrefix(),
                        m.getRds().getRouteConfigName(),
                        null,
                        filters.parseChain(m.getHttpFiltersList(), where),
                        remote,
                        xfcc,
                        TracingConverter.convert(m, where));
            }
            case ROUTE_CONFIG -> {
                return new HcmSpec(
                        m.getStatPrefix(),
                        null,
                        convertInline(m, where, filters),
                        filters.parseChain(m.getHttpFiltersList(), where),
                        remote,
                        xfcc,
                        TracingConverter.convert(m, where));
            }
            default -> throw new IllegalArgumentException(where + ": one of rds or route_config is required");
        }
    }

    private static RouteTable convertInline(HttpConnectionManager m, String where, HttpFilterTypes filters) {
        try {
            return RouteConverter.convert(m.getRouteConfig(), filters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".route_config: " + e.getMessage(), e);
        }
    }
}
