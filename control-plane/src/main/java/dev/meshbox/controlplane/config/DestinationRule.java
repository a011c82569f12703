package dev.meshbox.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** networking.istio.io DestinationRule, validated. */
public record DestinationRule(
        ResourceMeta meta, String yaml, String host, Optional<TrafficPolicy> trafficPolicy, List<Subset> subsets)
        implements IstioResource {

    public Optional<Subset> subset(String name) {
        return subsets.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public record Subset(String name, Map<String, String> labels, Optional<TrafficPolicy> trafficPolicy) {}

    public record TrafficPolicy(
            Optional<LoadBalancer> loadBalancer,
            Optional<ConnectionPool> connectionPool,
            Optional<OutlierDetection> outlierDetection,
            Optional<TlsMode> tls) {

        public TrafficPolicy(
                Optional<LoadBalancer> loadBalancer,
                Optional<ConnectionPool> connectionPool,
                Optional<OutlierDetection> outlierDetection) {
            this(loadBalancer, connectionPool, outlierDetection, Optional.empty());
        }

        /** Istio merges a subset's policy over the host's field by field at the top level. */
        public TrafficPolicy overriddenBy(TrafficPolicy subset) {
            return new TrafficPolicy(
                    subset.loadBalancer.or(() -> loadBalancer),
                    subset.connectionPool.or(() -> connectionPool),
                    subset.outlierDetection.or(() -> outlierDetection),
                    subset.tls.or(() -> tls));
        }
    }

    /** {@code trafficPolicy.tls.mode}: how the client sidecar talks to the destination. */
    public enum TlsMode {
        DISABLE,
        SIMPLE,
        MUTUAL,
        ISTIO_MUTUAL
    }

    public enum SimpleLb {
        UNSPECIFIED,
        LEAST_REQUEST,
        ROUND_ROBIN,
        RANDOM,
        PASSTHROUGH,
        LEAST_CONN
    }

    public record LoadBalancer(SimpleLb simple, Optional<ConsistentHash> consistentHash) {}

    public record ConsistentHash(
            Optional<String> httpHeaderName,
            Optional<HttpCookie> httpCookie,
            boolean useSourceIp,
            Optional<String> httpQueryParameterName,
            long minimumRingSize) {}

    public record HttpCookie(String name, Optional<String> path, Optional<Duration> ttl) {}

    public record ConnectionPool(
            Optional<Integer> maxConnections,
            Optional<Duration> connectTimeout,
            Optional<Integer> http1MaxPendingRequests,
            Optional<Integer> http2MaxRequests,
            Optional<Integer> maxRequestsPerConnection,
            Optional<Integer> maxRetries,
            Optional<Duration> idleTimeout) {}

    public record OutlierDetection(
            Optional<Integer> consecutive5xxErrors,
            Optional<Integer> consecutiveGatewayErrors,
            Optional<Duration> interval,
            Optional<Duration> baseEjectionTime,
            Optional<Integer> maxEjectionPercent,
            Optional<Integer> minHealthPercent) {}
}
