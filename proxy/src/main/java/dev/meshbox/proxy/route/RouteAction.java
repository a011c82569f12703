package dev.meshbox.proxy.route;

import java.time.Duration;
import java.util.List;

/** What a matched route does. */
public sealed interface RouteAction {

    /**
     * Forward to one cluster, or to one of several by weight. {@code timeout} zero means no timeout;
     * {@code hashPolicies} give the key for RING_HASH / MAGLEV clusters; at most one of {@code prefixRewrite} and
     * {@code regexRewrite} is set ({@link PathRewrite}); {@code clusterNotFoundStatus} is what a cluster that does not
     * exist answers (Envoy's {@code cluster_not_found_response_code}: 503 unless set); {@code maxGrpcTimeout}, when
     * not null, lets a gRPC request's {@code grpc-timeout} be the timeout, capped by it unless it is zero (Envoy's
     * {@code max_grpc_timeout}, which Istio sets to the route's timeout).
     */
    record Forward(
            String cluster,
            WeightedClusters weighted,
            Duration timeout,
            RetryPolicy retry,
            List<MirrorPolicy> mirrors,
            String prefixRewrite,
            RegexRewrite regexRewrite,
            String hostRewrite,
            List<HashPolicy> hashPolicies,
            int clusterNotFoundStatus,
            Duration maxGrpcTimeout)
            implements RouteAction {
        public Forward {
            if ((cluster == null) == (weighted == null)) {
                throw new IllegalArgumentException("route action: exactly one of cluster or weighted_clusters");
            }
            timeout = timeout == null ? Duration.ZERO : timeout;
            retry = retry == null ? RetryPolicy.NONE : retry;
            mirrors = List.copyOf(mirrors);
            hashPolicies = hashPolicies == null ? List.of() : List.copyOf(hashPolicies);
            clusterNotFoundStatus = clusterNotFoundStatus == 0 ? 503 : clusterNotFoundStatus;
        }

        public Forward(
                String cluster,
                WeightedClusters weighted,
                Duration timeout,
                RetryPolicy retry,
                List<MirrorPolicy> mirrors,
                String prefixRewrite,
                RegexRewrite regexRewrite,
                String hostRewrite,
                List<HashPolicy> hashPolicies,
                int clusterNotFoundStatus) {
            this(
                    cluster,
                    weighted,
                    timeout,
                    retry,
                    mirrors,
                    prefixRewrite,
                    regexRewrite,
                    hostRewrite,
                    hashPolicies,
                    clusterNotFoundStatus,
                    null);
        }

        public Forward(
                String cluster,
                WeightedClusters weighted,
                Duration timeout,
                RetryPolicy retry,
                List<MirrorPolicy> mirrors,
                String prefixRewrite,
                RegexRewrite regexRewrite,
                String hostRewrite,
                List<HashPolicy> hashPolicies) {
            this(
                    cluster,
                    weighted,
                    timeout,
                    retry,
                    mirrors,
                    prefixRewrite,
                    regexRewrite,
                    hostRewrite,
                    hashPolicies,
                    503);
        }

        public Forward(
                String cluster,
                WeightedClusters weighted,
                Duration timeout,
                RetryPolicy retry,
                List<MirrorPolicy> mirrors,
                String prefixRewrite,
                String hostRewrite) {
            this(cluster, weighted, timeout, retry, mirrors, prefixRewrite, null, hostRewrite, List.of());
        }

        public static Forward to(String cluster) {
            return new Forward(cluster, null, Duration.ZERO, RetryPolicy.NONE, List.of(), null, null);
        }

        public static Forward weighted(WeightedClusters weighted) {
            return new Forward(null, weighted, Duration.ZERO, RetryPolicy.NONE, List.of(), null, null);
        }
    }

    record DirectResponse(int status, String body) implements RouteAction {}

    /** Fields left null keep the request's value. */
    record Redirect(
            String scheme, String host, int port, String path, String prefixRewrite, int status, boolean stripQuery)
            implements RouteAction {}
}
