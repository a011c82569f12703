package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.DestinationRule.ConnectionPool;
import dev.meshbox.controlplane.config.DestinationRule.OutlierDetection;
import dev.meshbox.controlplane.config.DestinationRule.TrafficPolicy;
import dev.meshbox.controlplane.config.PeerAuthentication;
import dev.meshbox.controlplane.config.ServiceEntry;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Services and DestinationRules to CDS clusters and EDS assignments, named and defaulted as Istio does. */
final class ClusterTranslator {

    static final ConfigSource ADS = ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();
    /** Istio leaves connection-pool limits effectively unlimited unless a DestinationRule sets them. */
    private static final int UNLIMITED = (int) 4_294_967_295L; // uint32 max, Istio's value; negative as a Java int

    private static final String PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private ClusterTranslator() {}

    /** The outbound clusters of one service port: the default one and one per DestinationRule subset. */
    static void outbound(MeshView view, MeshService service, ServicePort port, XdsResources.Builder out) {
        outbound(
                view,
                PeerAuthentications.of(view.config()),
                service,
                view.registry().endpoints(service),
                port,
                out);
    }

    /**
     * As above, with the service's ready pods already looked up (sorted by name) and the PeerAuthentications indexed:
     * auto mTLS never offers mTLS to an endpoint whose port they DISABLE.
     */
    static void outbound(
            MeshView view,
            PeerAuthentications peers,
            MeshService service,
            List<Pod> pods,
            ServicePort port,
            XdsResources.Builder out) {
        Optional<DestinationRule> dr = view.destinationRule(service);
        Optional<TrafficPolicy> hostPolicy = dr.flatMap(DestinationRule::trafficPolicy);
        ServiceEntry se = service.fromServiceEntry() ? ServiceEntries.entryOf(view.config(), service) : null;
        // As Istio's buildUpstreamTLSSettings: a MESH_EXTERNAL entry's hosts never get auto mTLS.
        boolean mtls = view.security().autoMtls()
                && (se == null || se.location() == ServiceEntry.Location.MESH_INTERNAL)
                && !GatewayPassthrough.carriesClientTls(pods, port);
        List<String> identities = identities(pods);
        List<String> subsets = new java.util.ArrayList<>();
        subsets.add("");
        dr.map(DestinationRule::subsets).orElse(List.of()).forEach(sub -> subsets.add(sub.name()));
        for (String subsetName : subsets) {
            Optional<DestinationRule.Subset> subset = dr.flatMap(d -> d.subsets().stream()
                    .filter(sub -> sub.name().equals(subsetName))
                    .findFirst());
            String name = Names.outboundCluster(port.port(), subsetName, service.fqdn());
            Optional<TrafficPolicy> policy = TrafficPolicy.effective(
                    hostPolicy, subset.flatMap(DestinationRule.Subset::trafficPolicy), port.port());
            Map<String, String> labels =
                    subset.map(DestinationRule.Subset::labels).orElse(Map.of());
            Cluster cluster = LocalityEndpoints.weighted(
                    cluster(name, policy, port.selectedProtocol()),
                    policy,
                    view.security().localityLbSetting());
            if (se != null) {
                cluster = ServiceEntries.typed(cluster, se, service, port);
            }
            out.cluster(secured(
                    cluster,
                    mtls,
                    policy.flatMap(TrafficPolicy::tls),
                    Names.outboundSni(port.port(), subsetName, service.fqdn()),
                    identities,
                    out));
            if (se == null) {
                out.endpoints(assignment(name, pods, port, labels, peers));
            } else if (!service.selector().isEmpty()) {
                out.endpoints(ServiceEntries.withWorkloadEntries(
                        assignment(name, pods, port, labels, peers), view.config(), se, service, port, labels));
            } else if (ServiceEntries.eds(se, service)) {
                out.endpoints(ServiceEntries.assignment(name, se, service, port, labels));
            }
        }
    }

    /** The SPIFFE identities of a service's pods (Istio's service accounts of the service), sorted. */
    private static List<String> identities(List<Pod> pods) {
        return pods.stream().map(Pod::spiffeId).distinct().sorted().toList();
    }

    /**
     * The cluster's TLS as Istio's {@code applyUpstreamTLSSettings} and {@code buildAutoMtlsSettings}: a
     * DestinationRule's {@code tls} decides (ISTIO_MUTUAL: always Istio mTLS, checking the destination's identities
     * unless it names its own; SIMPLE and MUTUAL: the user's files, SNI and names; DISABLE: plaintext); without one,
     * auto mTLS when the mesh enables it.
     */
    private static Cluster secured(
            Cluster cluster,
            boolean autoMtls,
            Optional<DestinationRule.ClientTls> tls,
            String sni,
            List<String> identities,
            XdsResources.Builder out) {
        if (tls.isPresent()) {
            DestinationRule.ClientTls t = tls.get();
            return switch (t.mode()) {
                case ISTIO_MUTUAL ->
                    cluster.toBuilder()
                            .setTransportSocket(MutualTls.upstreamTls(
                                    t.sni().orElse(sni),
                                    t.subjectAltNames().isEmpty() ? identities : t.subjectAltNames()))
                            .build();
                case SIMPLE, MUTUAL -> {
                    t.credentialName()
                            .ifPresent(c -> out.warn("cluster " + cluster.getName() + ": DestinationRule tls"
                                    + ".credentialName " + c + " is not read (MeshBox reads no Kubernetes Secrets);"
                                    + " use clientCertificate, privateKey and caCertificates files"));
                    yield cluster.toBuilder()
                            .setTransportSocket(UserTls.upstreamTls(t))
                            .build();
                }
                case DISABLE -> cluster;
            };
        }
        if (!autoMtls) {
            return cluster;
        }
        Cluster.Builder b = cluster.toBuilder();
        MutualTls.autoMtls(b, sni, identities);
        return b.build();
    }

    static Cluster cluster(String name, Optional<TrafficPolicy> policy) {
        return cluster(name, policy, Protocol.HTTP);
    }

    /**
     * An outbound EDS cluster: Istio's defaults, the DestinationRule's policy, and the upstream HTTP version from the
     * port's protocol ({@link #upstreamProtocol}).
     */
    static Cluster cluster(String name, Optional<TrafficPolicy> policy, Protocol protocol) {
        Cluster.Builder c = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(
                        Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
                .setConnectTimeout(Durations.fromSeconds(10))
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        CircuitBreakers.Thresholds.Builder limits = CircuitBreakers.Thresholds.newBuilder()
                .setPriority(RoutingPriority.DEFAULT)
                .setMaxConnections(u32(UNLIMITED))
                .setMaxPendingRequests(u32(UNLIMITED))
                .setMaxRequests(u32(UNLIMITED))
                .setMaxRetries(u32(UNLIMITED));
        HttpProtocolOptions.Builder http = HttpProtocolOptions.newBuilder();
        if (policy.isPresent()) {
            TrafficPolicy p = policy.get();
            p.loadBalancer().ifPresent(lb -> loadBalancer(c, lb));
            p.connectionPool().ifPresent(pool -> connectionPool(c, limits, http, pool));
            p.outlierDetection().ifPresent(od -> outlierDetection(c, od));
        }
        c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(limits));
        upstreamProtocol(c, http.build(), protocol, policy.flatMap(TrafficPolicy::connectionPool));
        return c.build();
    }

    /**
     * The cluster's upstream HTTP version as Istio's {@code setUpstreamProtocol}: HTTP/2 (prior knowledge, as Envoy's
     * {@code explicit_http_config.http2_protocol_options}) for HTTP2, GRPC and GRPC-Web ports or where the
     * DestinationRule's {@code h2UpgradePolicy} is UPGRADE on an HTTP port (only there, as Istio's {@code
     * shouldH2Upgrade}); the downstream's version for a port Istio
     * does not know the protocol of (it sniffs; {@code use_downstream_protocol_config}) or where {@code
     * useClientProtocol} is set; HTTP/1.1 otherwise, written out only when the DestinationRule sets common options.
     */
    private static void upstreamProtocol(
            Cluster.Builder c, HttpProtocolOptions common, Protocol protocol, Optional<ConnectionPool> pool) {
        var options = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder();
        boolean hasCommon = !common.equals(HttpProtocolOptions.getDefaultInstance());
        if (hasCommon) {
            options.setCommonHttpProtocolOptions(common);
        }
        boolean useClient = pool.flatMap(ConnectionPool::useClientProtocol).orElse(false);
        boolean upgrade = protocol == Protocol.HTTP
                && pool.flatMap(ConnectionPool::h2UpgradePolicy)
                        .map("UPGRADE"::equals)
                        .orElse(false);
        if (useClient || protocol == Protocol.UNSUPPORTED) {
            options.setUseDownstreamProtocolConfig(
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.UseDownstreamHttpConfig
                            .newBuilder()
                            .setHttpProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance())
                            .setHttp2ProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()));
        } else if (protocol.isHttp2() || upgrade) {
            options.setExplicitHttpConfig(
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()));
        } else if (hasCommon) {
            options.setExplicitHttpConfig(
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttpProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance()));
        } else {
            return;
        }
        c.putTypedExtensionProtocolOptions(PROTOCOL_OPTIONS, Any.pack(options.build()));
    }

    private static void loadBalancer(Cluster.Builder c, DestinationRule.LoadBalancer lb) {
        if (lb.consistentHash().isPresent()) {
            c.setLbPolicy(Cluster.LbPolicy.RING_HASH);
            c.setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                    .setMinimumRingSize(com.google.protobuf.UInt64Value.of(
                            lb.consistentHash().get().minimumRingSize())));
            return;
        }
        switch (lb.simple()) {
            case ROUND_ROBIN -> c.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
            case RANDOM -> c.setLbPolicy(Cluster.LbPolicy.RANDOM);
            // Istio turns PASSTHROUGH into ORIGINAL_DST: the client's chosen address, which kube-proxy then sends to a
            // random pod. MeshBox has no ClusterIP, so it keeps EDS and picks a random endpoint, as kube-proxy would.
            case PASSTHROUGH -> c.setLbPolicy(Cluster.LbPolicy.RANDOM);
            default -> c.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        }
    }

    private static void connectionPool(
            Cluster.Builder c,
            CircuitBreakers.Thresholds.Builder limits,
            HttpProtocolOptions.Builder http,
            ConnectionPool pool) {
        pool.maxConnections().ifPresent(v -> limits.setMaxConnections(u32(v)));
        pool.http1MaxPendingRequests().ifPresent(v -> limits.setMaxPendingRequests(u32(v)));
        pool.http2MaxRequests().ifPresent(v -> limits.setMaxRequests(u32(v)));
        pool.maxRetries().ifPresent(v -> limits.setMaxRetries(u32(v)));
        pool.connectTimeout().ifPresent(d -> c.setConnectTimeout(protoDuration(d)));
        pool.maxRequestsPerConnection().filter(v -> v > 0).ifPresent(v -> http.setMaxRequestsPerConnection(u32(v)));
        pool.idleTimeout().ifPresent(d -> http.setIdleTimeout(protoDuration(d)));
    }

    private static void outlierDetection(Cluster.Builder c, OutlierDetection od) {
        io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.Builder o =
                io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                        // Istio turns off the checks it does not expose, so only the configured counters eject.
                        .setEnforcingSuccessRate(u32(0))
                        .setInterval(protoDuration(od.interval().orElse(Duration.ofSeconds(10))))
                        .setBaseEjectionTime(protoDuration(od.baseEjectionTime().orElse(Duration.ofSeconds(30))))
                        .setMaxEjectionPercent(u32(od.maxEjectionPercent().orElse(10)));
        if (od.consecutive5xxErrors().isPresent() && od.consecutive5xxErrors().get() > 0) {
            o.setConsecutive5Xx(u32(od.consecutive5xxErrors().get())).setEnforcingConsecutive5Xx(u32(100));
        } else {
            o.setEnforcingConsecutive5Xx(u32(0));
        }
        if (od.consecutiveGatewayErrors().isPresent()
                && od.consecutiveGatewayErrors().get() > 0) {
            o.setConsecutiveGatewayFailure(u32(od.consecutiveGatewayErrors().get()))
                    .setEnforcingConsecutiveGatewayFailure(u32(100));
        }
        c.setOutlierDetection(o);
        c.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                .setHealthyPanicThreshold(
                        Percent.newBuilder().setValue(od.minHealthPercent().orElse(0))));
    }

    /** EDS for a cluster: the ready pods of the service whose labels include {@code subsetLabels}. */
    static ClusterLoadAssignment assignment(
            String cluster,
            List<Pod> pods,
            ServicePort port,
            Map<String, String> subsetLabels,
            PeerAuthentications peers) {
        LocalityEndpoints locality = new LocalityEndpoints();
        for (Pod pod : pods) {
            if (!subsetLabels.entrySet().stream()
                    .allMatch(e -> e.getValue().equals(pod.labels().get(e.getKey())))) {
                continue;
            }
            locality.add(
                    pod,
                    LbEndpoint.newBuilder()
                            .setEndpoint(Endpoint.newBuilder().setAddress(socket(pod.ip(), port.targetPort())))
                            .setHealthStatus(HealthStatus.HEALTHY)
                            .setLoadBalancingWeight(u32(1))
                            .setMetadata(podMetadata(pod, mtlsAccepted(pod, port.targetPort(), peers)))
                            .build());
        }
        return locality.assignment(cluster);
    }

    /**
     * Whether the endpoint's effective PeerAuthentication lets it take mTLS on {@code targetPort}: as Istio's
     * endpoint builder ({@code mtlsChecker}), an endpoint that DISABLEs it loses its {@code tlsMode} so that auto
     * mTLS talks plaintext to it.
     */
    private static boolean mtlsAccepted(Pod pod, int targetPort, PeerAuthentications peers) {
        return peers.isEmpty()
                || peers.effective(pod.namespace(), pod.labels()).at(targetPort) != PeerAuthentication.Mode.DISABLE;
    }

    static Metadata podMetadata(Pod pod) {
        return podMetadata(pod, true);
    }

    /** The endpoint metadata: Istio's, and {@code tlsMode: istio} for a meshed pod that accepts mTLS there. */
    static Metadata podMetadata(Pod pod, boolean mtlsAccepted) {
        Struct.Builder labels = Struct.newBuilder();
        pod.labels()
                .forEach((k, v) ->
                        labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
        Struct istio = Struct.newBuilder()
                .putFields("pod", Value.newBuilder().setStringValue(pod.name()).build())
                .putFields(
                        "namespace",
                        Value.newBuilder().setStringValue(pod.namespace()).build())
                .putFields(
                        "workload",
                        Value.newBuilder().setStringValue(pod.workload()).build())
                .putFields("labels", Value.newBuilder().setStructValue(labels).build())
                .build();
        Metadata.Builder m = Metadata.newBuilder().putFilterMetadata("istio", istio);
        if (mtlsAccepted && MutualTls.meshed(pod)) {
            m.putFilterMetadata(MutualTls.SOCKET_MATCH_METADATA, MutualTls.socketMatchMetadata());
        }
        return m.build();
    }

    /** The inbound cluster of a pod port: a static cluster pointing at the app on the pod's local address. */
    static Cluster inbound(Pod pod, int targetPort) {
        return inbound(pod, targetPort, Protocol.HTTP);
    }

    /** As above, speaking to the app in the HTTP version the port's protocol selects (Istio sets it inbound too). */
    static Cluster inbound(Pod pod, int targetPort, Protocol protocol) {
        return inbound(pod, targetPort, targetPort, protocol);
    }

    /**
     * The inbound cluster of pod port {@code port} forwarding to the app on {@code appPort}: another port where a
     * Sidecar's ingress listener names a {@code defaultEndpoint}.
     */
    static Cluster inbound(Pod pod, int port, int appPort, Protocol protocol) {
        int targetPort = appPort;
        String name = Names.inboundCluster(port);
        Cluster.Builder c = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromSeconds(10))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder()
                                        .setEndpoint(Endpoint.newBuilder()
                                                .setAddress(socket(pod.appAddress(), targetPort))))));
        upstreamProtocol(c, HttpProtocolOptions.getDefaultInstance(), protocol, Optional.empty());
        return c.build();
    }

    static List<Cluster> special() {
        return List.of(
                Cluster.newBuilder()
                        .setName(Names.BLACKHOLE)
                        .setType(Cluster.DiscoveryType.STATIC)
                        .setConnectTimeout(Durations.fromSeconds(10))
                        .build(),
                Cluster.newBuilder()
                        .setName(Names.PASSTHROUGH)
                        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                        .setConnectTimeout(Durations.fromSeconds(10))
                        .build());
    }

    static Address socket(String ip, int port) {
        return Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
                .build();
    }

    static UInt32Value u32(int v) {
        return UInt32Value.of(v);
    }

    static com.google.protobuf.Duration protoDuration(Duration d) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(d.getSeconds())
                .setNanos(d.getNano())
                .build();
    }
}
