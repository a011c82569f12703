package dev.meshbox.proxy.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A cluster as CDS described it, in MeshBox's own terms.
 *
 * @param connection per-connection limits from {@code HttpProtocolOptions.common_http_protocol_options}
 * @param outlier    outlier detection, or null when the cluster has none
 * @param lb         balancer settings that are not the policy itself (panic threshold, ring sizes)
 * @param transportSockets the cluster's {@code transport_socket_matches} in order, then its {@code transport_socket}
 *                   as a match of everything; empty for plaintext to every endpoint
 */
public record ClusterSpec(
        String name,
        Type type,
        String edsServiceName,
        LbPolicy lbPolicy,
        Duration connectTimeout,
        List<EndpointSpec> staticEndpoints,
        Limits limits,
        ConnectionOptions connection,
        OutlierSpec outlier,
        LbOptions lb,
        List<TransportSocketSpec> transportSockets) {

    public ClusterSpec(
            String name,
            Type type,
            String edsServiceName,
            LbPolicy lbPolicy,
            Duration connectTimeout,
            List<EndpointSpec> staticEndpoints,
            Limits limits,
            ConnectionOptions connection,
            OutlierSpec outlier,
            LbOptions lb) {
        this(
                name,
                type,
                edsServiceName,
                lbPolicy,
                connectTimeout,
                staticEndpoints,
                limits,
                connection,
                outlier,
                lb,
                List.of());
    }

    /** The TLS toward an endpoint: that of the first transport socket matching its metadata, or null for plaintext. */
    public UpstreamTlsSpec tlsFor(EndpointSpec endpoint) {
        for (TransportSocketSpec t : transportSockets) {
            if (endpoint.socketMatch().entrySet().containsAll(t.match().entrySet())) {
                return t.tls();
            }
        }
        return null;
    }

    /**
     * How the cluster finds its endpoints. STRICT_DNS and LOGICAL_DNS clusters carry theirs inline, resolved when the
     * cluster arrives (every address of each name, or only the first); ORIGINAL_DST has none: each request goes to
     * the destination the client asked for (the request's Host).
     */
    public enum Type {
        STATIC,
        EDS,
        ORIGINAL_DST,
        STRICT_DNS,
        LOGICAL_DNS
    }

    /** MAGLEV is served by the ring: same key, same host, which is what a user can observe. */
    public enum LbPolicy {
        LEAST_REQUEST,
        ROUND_ROBIN,
        RANDOM,
        RING_HASH,
        MAGLEV
    }

    /** Envoy's circuit breaker thresholds for the default priority. */
    public record Limits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        public static final Limits ENVOY_DEFAULTS = new Limits(1024, 1024, 1024, 3);
    }

    /**
     * @param maxRequestsPerConnection 0 means unlimited; 1 means a new connection per request
     * @param idleTimeout              zero means never close an idle connection
     */
    public record ConnectionOptions(
            int maxRequestsPerConnection, Duration idleTimeout, UpstreamProtocol upstreamProtocol) {
        public static final ConnectionOptions ENVOY_DEFAULTS = new ConnectionOptions(0, Duration.ofHours(1));

        public ConnectionOptions {
            idleTimeout = idleTimeout == null ? Duration.ZERO : idleTimeout;
            upstreamProtocol = upstreamProtocol == null ? UpstreamProtocol.HTTP1 : upstreamProtocol;
        }

        public ConnectionOptions(int maxRequestsPerConnection, Duration idleTimeout) {
            this(maxRequestsPerConnection, idleTimeout, UpstreamProtocol.HTTP1);
        }
    }

    /**
     * The HTTP version toward the cluster's endpoints, from {@code HttpProtocolOptions}: HTTP/1.1 (the default and
     * {@code explicit_http_config.http_protocol_options}), HTTP/2 with prior knowledge ({@code
     * http2_protocol_options}), or the downstream's ({@code use_downstream_protocol_config}; MeshBox keeps HTTP/1.1
     * there for now, since a host's connections speak one version).
     */
    public enum UpstreamProtocol {
        HTTP1,
        HTTP2,
        DOWNSTREAM
    }

    /**
     * @param healthyPanicThreshold percent in [0, 100]; below it the balancer uses every host; 0 disables panic
     * @param localityWeighted {@code common_lb_config.locality_weighted_lb_config}: within a priority, localities are
     *     picked by their EDS {@code load_balancing_weight} (scaled by their availability) before a host
     */
    public record LbOptions(
            double healthyPanicThreshold, long minimumRingSize, long maximumRingSize, boolean localityWeighted) {
        public static final LbOptions ENVOY_DEFAULTS = new LbOptions(50.0, 1024, 8 * 1024 * 1024);

        /** Options without {@code locality_weighted_lb_config}. */
        public LbOptions(double healthyPanicThreshold, long minimumRingSize, long maximumRingSize) {
            this(healthyPanicThreshold, minimumRingSize, maximumRingSize, false);
        }
    }

    /** Envoy's outlier detection settings that MeshBox applies (consecutive errors; no success rate). */
    public record OutlierSpec(
            int consecutive5xx,
            int enforcingConsecutive5xx,
            int consecutiveGatewayFailure,
            int enforcingConsecutiveGatewayFailure,
            boolean splitExternalLocalOriginErrors,
            int consecutiveLocalOriginFailure,
            int enforcingConsecutiveLocalOriginFailure,
            Duration interval,
            Duration baseEjectionTime,
            Duration maxEjectionTime,
            int maxEjectionPercent,
            boolean alwaysEjectOneHost) {

        /** Envoy's defaults for an empty {@code outlier_detection} message. */
        public static final OutlierSpec ENVOY_DEFAULTS = new OutlierSpec(
                5,
                100,
                5,
                0,
                false,
                5,
                100,
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(300),
                10,
                false);
    }

    public ClusterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        staticEndpoints = List.copyOf(staticEndpoints);
        limits = limits == null ? Limits.ENVOY_DEFAULTS : limits;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        connection = connection == null ? ConnectionOptions.ENVOY_DEFAULTS : connection;
        lb = lb == null ? LbOptions.ENVOY_DEFAULTS : lb;
        transportSockets = transportSockets == null ? List.of() : List.copyOf(transportSockets);
    }

    public ClusterSpec(
            String name,
            Type type,
            String edsServiceName,
            LbPolicy lbPolicy,
            Duration connectTimeout,
            List<EndpointSpec> staticEndpoints,
            Limits limits) {
        this(name, type, edsServiceName, lbPolicy, connectTimeout, staticEndpoints, limits, null, null, null);
    }

    public static ClusterSpec eds(String name, LbPolicy lb) {
        return new ClusterSpec(name, Type.EDS, name, lb, Duration.ofSeconds(10), List.of(), null);
    }

    public static ClusterSpec fixed(String name, LbPolicy lb, List<EndpointSpec> endpoints) {
        return new ClusterSpec(name, Type.STATIC, null, lb, Duration.ofSeconds(10), endpoints, null);
    }

    public ClusterSpec withLimits(Limits newLimits, ConnectionOptions newConnection) {
        return new ClusterSpec(
                name,
                type,
                edsServiceName,
                lbPolicy,
                connectTimeout,
                staticEndpoints,
                newLimits,
                newConnection,
                outlier,
                lb);
    }

    public ClusterSpec withOutlier(OutlierSpec newOutlier, LbOptions newLb) {
        return new ClusterSpec(
                name,
                type,
                edsServiceName,
                lbPolicy,
                connectTimeout,
                staticEndpoints,
                limits,
                connection,
                newOutlier,
                newLb);
    }

    /** The EDS resource name this cluster subscribes to: service_name, else the cluster name. */
    public String edsResourceName() {
        return edsServiceName == null || edsServiceName.isEmpty() ? name : edsServiceName;
    }
}
