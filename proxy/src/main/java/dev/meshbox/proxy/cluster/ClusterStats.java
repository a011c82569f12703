package dev.meshbox.proxy.cluster;

import dev.meshbox.proxy.endpoint.ConnectionEvents;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's per-cluster upstream counters, under Envoy's names; they survive CDS updates that keep the cluster. Every
 * host's pools report their connection events here (through the host's own counters).
 */
public final class ClusterStats implements ConnectionEvents {

    /** Stats that are gauges, not counters (for Prometheus TYPE lines). */
    public static final Set<String> GAUGES = Set.of(
            "upstream_cx_active",
            "upstream_rq_active",
            "upstream_rq_pending_active",
            "outlier_detection.ejections_active",
            "membership_total",
            "membership_healthy",
            "circuit_breakers.default.cx_open",
            "circuit_breakers.default.rq_pending_open",
            "circuit_breakers.default.rq_open",
            "circuit_breakers.default.rq_retry_open",
            "circuit_breakers.default.remaining_cx",
            "circuit_breakers.default.remaining_pending",
            "circuit_breakers.default.remaining_rq",
            "circuit_breakers.default.remaining_retries");

    public final LongAdder upstreamCxTotal = new LongAdder();
    public final LongAdder upstreamCxActive = new LongAdder();
    public final LongAdder upstreamCxConnectFail = new LongAdder();
    public final LongAdder upstreamCxOverflow = new LongAdder();
    public final LongAdder upstreamCxMaxRequests = new LongAdder();
    public final LongAdder upstreamCxIdleTimeout = new LongAdder();
    public final LongAdder upstreamCxNoneHealthy = new LongAdder();
    public final LongAdder upstreamRqTotal = new LongAdder();
    public final LongAdder upstreamRqActive = new LongAdder();
    public final LongAdder upstreamRqPendingTotal = new LongAdder();
    public final LongAdder upstreamRqPendingActive = new LongAdder();
    public final LongAdder upstreamRqPendingOverflow = new LongAdder();
    public final LongAdder upstreamRq2xx = new LongAdder();
    public final LongAdder upstreamRq3xx = new LongAdder();
    public final LongAdder upstreamRq4xx = new LongAdder();
    public final LongAdder upstreamRq5xx = new LongAdder();
    public final LongAdder upstreamRqRetry = new LongAdder();
    public final LongAdder upstreamRqRetrySuccess = new LongAdder();
    public final LongAdder upstreamRqRetryOverflow = new LongAdder();
    public final LongAdder upstreamRqRetryLimitExceeded = new LongAdder();
    public final LongAdder upstreamRqTimeout = new LongAdder();
    public final LongAdder upstreamRqPerTryTimeout = new LongAdder();
    public final LongAdder upstreamRqMirror = new LongAdder();
    public final LongAdder lbHealthyPanic = new LongAdder();
    public final LongAdder ejectionsTotal = new LongAdder();
    public final LongAdder ejectionsOverflow = new LongAdder();
    public final LongAdder ejectionsEnforcedTotal = new LongAdder();
    public final LongAdder ejectionsEnforcedConsecutive5xx = new LongAdder();
    public final LongAdder ejectionsEnforcedConsecutiveGatewayFailure = new LongAdder();
    public final LongAdder ejectionsEnforcedConsecutiveLocalOriginFailure = new LongAdder();
    public final LongAdder ejectionsDetectedConsecutive5xx = new LongAdder();
    public final LongAdder ejectionsDetectedConsecutiveGatewayFailure = new LongAdder();
    public final LongAdder ejectionsDetectedConsecutiveLocalOriginFailure = new LongAdder();

    /** Counts a response status from upstream (local replies are not upstream responses). */
    public void countStatus(int status) {
        switch (status / 100) {
            case 2 -> upstreamRq2xx.increment();
            case 3 -> upstreamRq3xx.increment();
            case 4 -> upstreamRq4xx.increment();
            case 5 -> upstreamRq5xx.increment();
            default -> {}
        }
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        m.put("upstream_cx_total", upstreamCxTotal.sum());
        m.put("upstream_cx_active", upstreamCxActive.sum());
        m.put("upstream_cx_connect_fail", upstreamCxConnectFail.sum());
        m.put("upstream_cx_overflow", upstreamCxOverflow.sum());
        m.put("upstream_cx_max_requests", upstreamCxMaxRequests.sum());
        m.put("upstream_cx_idle_timeout", upstreamCxIdleTimeout.sum());
        m.put("upstream_cx_none_healthy", upstreamCxNoneHealthy.sum());
        m.put("upstream_rq_total", upstreamRqTotal.sum());
        m.put("upstream_rq_active", upstreamRqActive.sum());
        m.put("upstream_rq_pending_total", upstreamRqPendingTotal.sum());
        m.put("upstream_rq_pending_active", upstreamRqPendingActive.sum());
        m.put("upstream_rq_pending_overflow", upstreamRqPendingOverflow.sum());
        m.put("upstream_rq_2xx", upstreamRq2xx.sum());
        m.put("upstream_rq_3xx", upstreamRq3xx.sum());
        m.put("upstream_rq_4xx", upstreamRq4xx.sum());
        m.put("upstream_rq_5xx", upstreamRq5xx.sum());
        m.put("upstream_rq_retry", upstreamRqRetry.sum());
        m.put("upstream_rq_retry_success", upstreamRqRetrySuccess.sum());
        m.put("upstream_rq_retry_overflow", upstreamRqRetryOverflow.sum());
        m.put("upstream_rq_retry_limit_exceeded", upstreamRqRetryLimitExceeded.sum());
        m.put("upstream_rq_timeout", upstreamRqTimeout.sum());
        m.put("upstream_rq_per_try_timeout", upstreamRqPerTryTimeout.sum());
        m.put("upstream_rq_mirror", upstreamRqMirror.sum());
        m.put("lb_healthy_panic", lbHealthyPanic.sum());
        m.put("outlier_detection.ejections_total", ejectionsTotal.sum());
        m.put("outlier_detection.ejections_overflow", ejectionsOverflow.sum());
        m.put("outlier_detection.ejections_enforced_total", ejectionsEnforcedTotal.sum());
        m.put("outlier_detection.ejections_enforced_consecutive_5xx", ejectionsEnforcedConsecutive5xx.sum());
        m.put(
                "outlier_detection.ejections_enforced_consecutive_gateway_failure",
                ejectionsEnforcedConsecutiveGatewayFailure.sum());
        m.put(
                "outlier_detection.ejections_enforced_consecutive_local_origin_failure",
                ejectionsEnforcedConsecutiveLocalOriginFailure.sum());
        m.put("outlier_detection.ejections_detected_consecutive_5xx", ejectionsDetectedConsecutive5xx.sum());
        m.put(
                "outlier_detection.ejections_detected_consecutive_gateway_failure",
                ejectionsDetectedConsecutiveGatewayFailure.sum());
        m.put(
                "outlier_detection.ejections_detected_consecutive_local_origin_failure",
                ejectionsDetectedConsecutiveLocalOriginFailure.sum());
        return m;
    }

    // Connection events of the cluster's pools.

    @Override
    public void connectStarted() {
        upstreamCxTotal.increment();
    }

    @Override
    public void connected() {
        upstreamCxActive.increment();
    }

    @Override
    public void connectFailed() {
        upstreamCxConnectFail.increment();
    }

    @Override
    public void closed() {
        upstreamCxActive.decrement();
    }

    @Override
    public void connectionOverflow() {
        upstreamCxOverflow.increment();
    }

    @Override
    public void pendingOverflow() {
        upstreamRqPendingOverflow.increment();
    }

    @Override
    public void pendingStarted() {
        upstreamRqPendingTotal.increment();
        upstreamRqPendingActive.increment();
    }

    @Override
    public void pendingEnded() {
        upstreamRqPendingActive.decrement();
    }

    @Override
    public void requestAttached() {
        upstreamRqTotal.increment();
    }

    @Override
    public void maxRequestsReached() {
        upstreamCxMaxRequests.increment();
    }

    @Override
    public void idleTimeout() {
        upstreamCxIdleTimeout.increment();
    }
}
