package dev.meshbox.proxy.spec;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import java.time.Duration;

/** The parts of a CDS {@code Cluster} beyond type and policy: connection options, outlier detection, balancing. */
final class ClusterOptionsConverter {

    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private ClusterOptionsConverter() {}

    static ClusterSpec.ConnectionOptions connection(Cluster c, String where) {
        HttpProtocolOptions common = c.hasCommonHttpProtocolOptions() ? c.getCommonHttpProtocolOptions() : null;
        int maxPerConnection = c.hasMaxRequestsPerConnection() ? Uint32.saturated(c.getMaxRequestsPerConnection()) : 0;
        Any typed = c.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS);
        // The deprecated top-level field Envoy still reads.
        ClusterSpec.UpstreamProtocol protocol =
                c.hasHttp2ProtocolOptions() ? ClusterSpec.UpstreamProtocol.HTTP2 : ClusterSpec.UpstreamProtocol.HTTP1;
        if (typed != null) {
            try {
                var options = typed.unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
                if (options.hasCommonHttpProtocolOptions()) {
                    common = options.getCommonHttpProtocolOptions();
                }
                if (options.hasExplicitHttpConfig()
                        && options.getExplicitHttpConfig().hasHttp2ProtocolOptions()) {
                    protocol = ClusterSpec.UpstreamProtocol.HTTP2;
                } else if (options.hasUseDownstreamProtocolConfig()) {
                    protocol = ClusterSpec.UpstreamProtocol.DOWNSTREAM;
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        where + ".typed_extension_protocol_options[" + HTTP_PROTOCOL_OPTIONS + "]: cannot decode: "
                                + e.getMessage(),
                        e);
            }
        }
        Duration idle = ClusterSpec.ConnectionOptions.ENVOY_DEFAULTS.idleTimeout();
        if (common != null) {
            if (common.hasMaxRequestsPerConnection()) {
                maxPerConnection = Uint32.saturated(common.getMaxRequestsPerConnection());
            }
            if (common.hasIdleTimeout()) {
                idle = duration(common.getIdleTimeout());
            }
        }
        return new ClusterSpec.ConnectionOptions(maxPerConnection, idle, protocol);
    }

    static ClusterSpec.OutlierSpec outlier(Cluster c, String where) {
        if (!c.hasOutlierDetection()) {
            return null;
        }
        OutlierDetection o = c.getOutlierDetection();
        var d = ClusterSpec.OutlierSpec.ENVOY_DEFAULTS;
        String at = where + ".outlier_detection";
        Duration interval = o.hasInterval() ? positive(duration(o.getInterval()), at + ".interval") : d.interval();
        Duration base = o.hasBaseEjectionTime()
                ? positive(duration(o.getBaseEjectionTime()), at + ".base_ejection_time")
                : d.baseEjectionTime();
        Duration max = o.hasMaxEjectionTime() ? duration(o.getMaxEjectionTime()) : d.maxEjectionTime();
        if (max.compareTo(base) < 0) {
            max = base;
        }
        return new ClusterSpec.OutlierSpec(
                or(o.hasConsecutive5Xx(), o.getConsecutive5Xx(), d.consecutive5xx()),
                percent(
                        o.hasEnforcingConsecutive5Xx(),
                        o.getEnforcingConsecutive5Xx(),
                        d.enforcingConsecutive5xx(),
                        at + ".enforcing_consecutive_5xx"),
                or(o.hasConsecutiveGatewayFailure(), o.getConsecutiveGatewayFailure(), d.consecutiveGatewayFailure()),
                percent(
                        o.hasEnforcingConsecutiveGatewayFailure(),
                        o.getEnforcingConsecutiveGatewayFailure(),
                        d.enforcingConsecutiveGatewayFailure(),
                        at + ".enforcing_consecutive_gateway_failure"),
                o.getSplitExternalLocalOriginErrors(),
                or(
                        o.hasConsecutiveLocalOriginFailure(),
                        o.getConsecutiveLocalOriginFailure(),
                        d.consecutiveLocalOriginFailure()),
                percent(
                        o.hasEnforcingConsecutiveLocalOriginFailure(),
                        o.getEnforcingConsecutiveLocalOriginFailure(),
                        d.enforcingConsecutiveLocalOriginFailure(),
                        at + ".enforcing_consecutive_local_origin_failure"),
                interval,
                base,
                max,
                percent(
                        o.hasMaxEjectionPercent(),
                        o.getMaxEjectionPercent(),
                        d.maxEjectionPercent(),
                        at + ".max_ejection_percent"),
                o.hasAlwaysEjectOneHost() && o.getAlwaysEjectOneHost().getValue());
    }

    static ClusterSpec.LbOptions lbOptions(Cluster c, String where) {
        var d = ClusterSpec.LbOptions.ENVOY_DEFAULTS;
        double panic = d.healthyPanicThreshold();
        if (c.hasCommonLbConfig() && c.getCommonLbConfig().hasHealthyPanicThreshold()) {
            panic = c.getCommonLbConfig().getHealthyPanicThreshold().getValue();
            if (panic < 0 || panic > 100) {
                throw new IllegalArgumentException(
                        where + ".common_lb_config.healthy_panic_threshold: must be in [0, 100], " + "got " + panic);
            }
        }
        long min = d.minimumRingSize();
        long max = d.maximumRingSize();
        if (c.hasRingHashLbConfig()) {
            var ring = c.getRingHashLbConfig();
            if (ring.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
                throw new IllegalArgumentException(
                        where + ".ring_hash_lb_config.hash_function: only XX_HASH is supported");
            }
            if (ring.hasMinimumRingSize()) {
                min = ring.getMinimumRingSize().getValue();
            }
            if (ring.hasMaximumRingSize()) {
                max = ring.getMaximumRingSize().getValue();
            }
            if (min < 1 || min > 8 * 1024 * 1024) {
                throw new IllegalArgumentException(
                        where + ".ring_hash_lb_config.minimum_ring_size: must be in [1, 8M], got " + min);
            }
            if (max < min) {
                throw new IllegalArgumentException(where + ".ring_hash_lb_config.maximum_ring_size: must be >= "
                        + "minimum_ring_size " + min + ", got " + max);
            }
        }
        return new ClusterSpec.LbOptions(
                panic, min, max, c.hasCommonLbConfig() && c.getCommonLbConfig().hasLocalityWeightedLbConfig());
    }

    private static int or(boolean has, UInt32Value value, int fallback) {
        return has ? value.getValue() : fallback;
    }

    private static int percent(boolean has, UInt32Value value, int fallback, String where) {
        int v = or(has, value, fallback);
        if (v > 100) {
            throw new IllegalArgumentException(where + ": must be in [0, 100], got " + v);
        }
        return v;
    }

    private static Duration positive(Duration d, String where) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(where + ": must be > 0");
        }
        return d;
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
