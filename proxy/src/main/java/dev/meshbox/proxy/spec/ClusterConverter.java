package dev.meshbox.proxy.spec;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.time.Duration;
import java.util.List;

/** Turns a CDS {@code Cluster} into a {@link ClusterSpec}; problems are IllegalArgumentExceptions. */
public final class ClusterConverter {

    private ClusterConverter() {}

    public static ClusterSpec convert(Cluster c) {
        String where = "cluster " + c.getName();
        if (c.getName().isEmpty()) {
            throw new IllegalArgumentException("cluster: name is required");
        }
        ClusterSpec.Type type = switch (c.getClusterDiscoveryTypeCase()) {
            case TYPE ->
                switch (c.getType()) {
                    case STATIC -> ClusterSpec.Type.STATIC;
                    case EDS -> ClusterSpec.Type.EDS;
                    case ORIGINAL_DST -> ClusterSpec.Type.ORIGINAL_DST;
                    case STRICT_DNS -> ClusterSpec.Type.STRICT_DNS;
                    case LOGICAL_DNS -> ClusterSpec.Type.LOGICAL_DNS;
                    default ->
                        throw new IllegalArgumentException(where + ".type: " + c.getType()
                                + " is not supported (expected STATIC, EDS, ORIGINAL_DST, STRICT_DNS or"
                                + " LOGICAL_DNS)");
                };
            case CLUSTERDISCOVERYTYPE_NOT_SET -> ClusterSpec.Type.STATIC;
            default -> throw new IllegalArgumentException(where + ": cluster_type extensions are not supported");
        };
        ClusterSpec.LbPolicy lb = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> ClusterSpec.LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> ClusterSpec.LbPolicy.LEAST_REQUEST;
            case RANDOM -> ClusterSpec.LbPolicy.RANDOM;
            case RING_HASH -> ClusterSpec.LbPolicy.RING_HASH;
            case MAGLEV -> ClusterSpec.LbPolicy.MAGLEV;
            // Envoy requires CLUSTER_PROVIDED with ORIGINAL_DST; the balancer is unused there.
            case CLUSTER_PROVIDED -> ClusterSpec.LbPolicy.ROUND_ROBIN;
            default ->
                throw new IllegalArgumentException(where + ".lb_policy: " + c.getLbPolicy()
                        + " is not supported (expected ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
        };
        if (c.hasLeastRequestLbConfig()
                && c.getLeastRequestLbConfig().hasChoiceCount()
                && c.getLeastRequestLbConfig().getChoiceCount().getValue() < 2) {
            throw new IllegalArgumentException(where + ".least_request_lb_config.choice_count: must be >= 2");
        }
        Duration connectTimeout = c.hasConnectTimeout()
                ? Duration.ofSeconds(
                        c.getConnectTimeout().getSeconds(),
                        c.getConnectTimeout().getNanos())
                : Duration.ofSeconds(5);
        if (connectTimeout.isZero() || connectTimeout.isNegative()) {
            throw new IllegalArgumentException(where + ".connect_timeout: must be > 0");
        }
        List<EndpointSpec> endpoints = List.of();
        if (type == ClusterSpec.Type.STATIC && c.hasLoadAssignment()) {
            endpoints = EndpointConverter.convert(c.getLoadAssignment().toBuilder()
                    .setClusterName(c.getName())
                    .build());
        } else if ((type == ClusterSpec.Type.STRICT_DNS || type == ClusterSpec.Type.LOGICAL_DNS)
                && c.hasLoadAssignment()) {
            endpoints = EndpointConverter.resolve(
                    c.getLoadAssignment().toBuilder()
                            .setClusterName(c.getName())
                            .build(),
                    type == ClusterSpec.Type.LOGICAL_DNS);
        }
        String serviceName =
                type == ClusterSpec.Type.EDS ? c.getEdsClusterConfig().getServiceName() : null;
        return new ClusterSpec(
                c.getName(),
                type,
                serviceName,
                lb,
                connectTimeout,
                endpoints,
                limits(c.getCircuitBreakers()),
                ClusterOptionsConverter.connection(c, where),
                ClusterOptionsConverter.outlier(c, where),
                ClusterOptionsConverter.lbOptions(c, where),
                TransportSocketConverter.cluster(c, where));
    }

    private static ClusterSpec.Limits limits(CircuitBreakers cb) {
        var d = ClusterSpec.Limits.ENVOY_DEFAULTS;
        for (var t : cb.getThresholdsList()) {
            if (t.getPriority() == RoutingPriority.DEFAULT) {
                return new ClusterSpec.Limits(
                        t.hasMaxConnections() ? Uint32.saturated(t.getMaxConnections()) : d.maxConnections(),
                        t.hasMaxPendingRequests()
                                ? Uint32.saturated(t.getMaxPendingRequests())
                                : d.maxPendingRequests(),
                        t.hasMaxRequests() ? Uint32.saturated(t.getMaxRequests()) : d.maxRequests(),
                        t.hasMaxRetries() ? Uint32.saturated(t.getMaxRetries()) : d.maxRetries());
            }
        }
        return d;
    }
}
