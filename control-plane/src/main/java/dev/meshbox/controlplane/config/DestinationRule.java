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
            Optional<ClientTls> tls,
            List<PortTrafficPolicy> portLevelSettings) {

        public TrafficPolicy {
            portLevelSettings = List.copyOf(portLevelSettings);
        }

        public TrafficPolicy(
                Optional<LoadBalancer> loadBalancer,
                Optional<ConnectionPool> connectionPool,
                Optional<OutlierDetection> outlierDetection) {
            this(loadBalancer, connectionPool, outlierDetection, Optional.empty(), List.of());
        }

        public TrafficPolicy(
                Optional<LoadBalancer> loadBalancer,
                Optional<ConnectionPool> connectionPool,
                Optional<OutlierDetection> outlierDetection,
                Optional<ClientTls> tls) {
            this(loadBalancer, connectionPool, outlierDetection, tls, List.of());
        }

        /** Istio merges a subset's policy over the host's field by field at the top level. */
        public TrafficPolicy overriddenBy(TrafficPolicy subset) {
            return new TrafficPolicy(
                    subset.loadBalancer.or(() -> loadBalancer),
                    subset.connectionPool.or(() -> connectionPool),
                    subset.outlierDetection.or(() -> outlierDetection),
                    subset.tls.or(() -> tls),
                    subset.portLevelSettings);
        }

        /**
         * The policy for one service port, as Istio's {@code MergeTrafficPolicy}: a {@code portLevelSettings} entry for
         * the port replaces load balancer, connection pool, outlier detection and TLS whole (what it leaves out falls
         * back to the defaults, not to the top level); other ports keep the top level.
         */
        public TrafficPolicy forPort(int port) {
            for (PortTrafficPolicy p : portLevelSettings) {
                if (p.port() == port) {
                    return new TrafficPolicy(
                            p.loadBalancer(), p.connectionPool(), p.outlierDetection(), p.tls(), List.of());
                }
            }
            return new TrafficPolicy(loadBalancer, connectionPool, outlierDetection, tls, List.of());
        }

        /**
         * The policy of a subset's cluster on {@code port}: the host's (its port level applied), the subset's top level
         * over it, then the subset's own port level, as Istio merges them.
         */
        public static Optional<TrafficPolicy> effective(
                Optional<TrafficPolicy> host, Optional<TrafficPolicy> subset, int port) {
            Optional<TrafficPolicy> base = host.map(h -> h.forPort(port));
            if (subset.isEmpty()) {
                return base;
            }
            TrafficPolicy s = subset.get();
            TrafficPolicy merged = base.map(b -> b.overriddenBy(s)).orElse(s);
            return Optional.of(merged.forPort(port));
        }
    }

    /** One {@code portLevelSettings} entry: the service port it applies to and its policy. */
    public record PortTrafficPolicy(
            int port,
            Optional<LoadBalancer> loadBalancer,
            Optional<ConnectionPool> connectionPool,
            Optional<OutlierDetection> outlierDetection,
            Optional<ClientTls> tls) {}

    /**
     * {@code trafficPolicy.tls} (Istio's ClientTLSSettings): the mode, and for SIMPLE and MUTUAL the files the client
     * sidecar reads (CA, client certificate and key), the SNI and the server names it accepts.
     */
    public record ClientTls(
            TlsMode mode,
            Optional<String> clientCertificate,
            Optional<String> privateKey,
            Optional<String> caCertificates,
            Optional<String> credentialName,
            List<String> subjectAltNames,
            Optional<String> sni,
            boolean insecureSkipVerify) {

        public ClientTls {
            subjectAltNames = List.copyOf(subjectAltNames);
        }

        /** Just a mode, nothing else set. */
        public static ClientTls of(TlsMode mode) {
            return new ClientTls(
                    mode,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    false);
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

    public record LoadBalancer(
            SimpleLb simple, Optional<ConsistentHash> consistentHash, Optional<LocalityLbSetting> localityLbSetting) {

        public LoadBalancer(SimpleLb simple, Optional<ConsistentHash> consistentHash) {
            this(simple, consistentHash, Optional.empty());
        }
    }

    /**
     * {@code loadBalancer.localityLbSetting}: Istio's locality load balancing. {@code enabled} empty means on (Istio's
     * default); {@code distribute} weights localities, {@code failover} names the region after the caller's, and
     * {@code failoverPriority} orders endpoints by how many of the listed labels they share with the caller.
     */
    public record LocalityLbSetting(
            Optional<Boolean> enabled,
            List<Distribute> distribute,
            List<Failover> failover,
            List<String> failoverPriority) {

        public LocalityLbSetting {
            distribute = List.copyOf(distribute);
            failover = List.copyOf(failover);
            failoverPriority = List.copyOf(failoverPriority);
        }

        /** Whether the setting turns locality load balancing off ({@code enabled: false}). */
        public boolean disabled() {
            return enabled.isPresent() && !enabled.get();
        }
    }

    /** A {@code distribute} entry: callers in {@code from} send {@code to}'s percentages to those localities. */
    public record Distribute(String from, Map<String, Integer> to) {
        public Distribute {
            to = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(to));
        }
    }

    /** A {@code failover} entry: callers in region {@code from} fail over to region {@code to} first. */
    public record Failover(String from, String to) {}

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
            Optional<Duration> idleTimeout,
            Optional<String> h2UpgradePolicy,
            Optional<Boolean> useClientProtocol) {

        /** A pool without the HTTP version settings ({@code h2UpgradePolicy}, {@code useClientProtocol}). */
        public ConnectionPool(
                Optional<Integer> maxConnections,
                Optional<Duration> connectTimeout,
                Optional<Integer> http1MaxPendingRequests,
                Optional<Integer> http2MaxRequests,
                Optional<Integer> maxRequestsPerConnection,
                Optional<Integer> maxRetries,
                Optional<Duration> idleTimeout) {
            this(
                    maxConnections,
                    connectTimeout,
                    http1MaxPendingRequests,
                    http2MaxRequests,
                    maxRequestsPerConnection,
                    maxRetries,
                    idleTimeout,
                    Optional.empty(),
                    Optional.empty());
        }
    }

    public record OutlierDetection(
            Optional<Integer> consecutive5xxErrors,
            Optional<Integer> consecutiveGatewayErrors,
            Optional<Duration> interval,
            Optional<Duration> baseEjectionTime,
            Optional<Integer> maxEjectionPercent,
            Optional<Integer> minHealthPercent) {}
}
