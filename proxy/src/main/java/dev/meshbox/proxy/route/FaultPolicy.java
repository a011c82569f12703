package dev.meshbox.proxy.route;

import java.time.Duration;

/**
 * A compiled {@code envoy.extensions.filters.http.fault.v3.HTTPFault}: an optional fixed delay and an optional
 * abort, each applied to a fraction of requests expressed per million.
 */
public record FaultPolicy(Duration delay, int delayPerMillion, int abortStatus, int abortPerMillion)
        implements FilterConfig {

    /** No delay and no abort: what Istio configures the filter with on every connection manager. */
    public static final FaultPolicy NONE = new FaultPolicy(Duration.ZERO, 0, 0, 0);

    public static final int MILLION = 1_000_000;

    public FaultPolicy {
        delay = delay == null ? Duration.ZERO : delay;
    }

    public boolean hasDelay() {
        return !delay.isZero() && delayPerMillion > 0;
    }

    public boolean hasAbort() {
        return abortStatus > 0 && abortPerMillion > 0;
    }
}
