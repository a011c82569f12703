package dev.meshbox.proxy.route;

import java.time.Duration;

/**
 * A compiled {@code envoy.extensions.filters.http.fault.v3.HTTPFault}: an optional fixed delay and an optional
 * abort, each applied to a fraction of requests expressed per million. The abort answers with an HTTP status, or with
 * a gRPC status ({@code abortGrpcStatus} 0..16; -1 when the abort is an HTTP one).
 */
public record FaultPolicy(
        Duration delay, int delayPerMillion, int abortStatus, int abortPerMillion, int abortGrpcStatus)
        implements FilterConfig {

    /** No delay and no abort: what Istio configures the filter with on every connection manager. */
    public static final FaultPolicy NONE = new FaultPolicy(Duration.ZERO, 0, 0, 0);

    public FaultPolicy(Duration delay, int delayPerMillion, int abortStatus, int abortPerMillion) {
        this(delay, delayPerMillion, abortStatus, abortPerMillion, -1);
    }

    public static final int MILLION = 1_000_000;

    public FaultPolicy {
        delay = delay == null ? Duration.ZERO : delay;
    }

    public boolean hasDelay() {
        return !delay.isZero() && delayPerMillion > 0;
    }

    public boolean hasAbort() {
        return (abortStatus > 0 || abortGrpcStatus >= 0) && abortPerMillion > 0;
    }
}
