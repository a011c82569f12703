package dev.meshbox.proxy.endpoint;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster's circuit breakers for the default priority, shared by every pool of the cluster on every event loop:
 * open connections, pending requests, active requests and concurrent retries, each against its maximum. As in
 * Envoy's resource manager, a check and the increment that follows are separate, so two event loops racing can
 * overshoot a limit by one; the counts themselves are exact.
 */
public final class ResourceLimits {

    /** One counted resource and its maximum. */
    public static final class Resource {
        private final AtomicInteger count = new AtomicInteger();
        private volatile int max;

        Resource(int max) {
            this.max = max;
        }

        public boolean canCreate() {
            return count.get() < max;
        }

        public void inc() {
            count.incrementAndGet();
        }

        public void dec() {
            count.decrementAndGet();
        }

        public int count() {
            return count.get();
        }

        public int max() {
            return max;
        }

        /** What Envoy's {@code remaining_*} gauges show. */
        public int remaining() {
            return Math.max(0, max - count.get());
        }
    }

    private final Resource connections;
    private final Resource pendingRequests;
    private final Resource requests;
    private final Resource retries;

    public ResourceLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        connections = new Resource(maxConnections);
        pendingRequests = new Resource(maxPendingRequests);
        requests = new Resource(maxRequests);
        retries = new Resource(maxRetries);
    }

    /** Envoy's defaults: 1024 connections, pending and active requests, 3 retries. */
    public static ResourceLimits envoyDefaults() {
        return new ResourceLimits(1024, 1024, 1024, 3);
    }

    /** A CDS update changes the maxima and keeps the counts. */
    public void update(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        connections.max = maxConnections;
        pendingRequests.max = maxPendingRequests;
        requests.max = maxRequests;
        retries.max = maxRetries;
    }

    public Resource connections() {
        return connections;
    }

    public Resource pendingRequests() {
        return pendingRequests;
    }

    public Resource requests() {
        return requests;
    }

    public Resource retries() {
        return retries;
    }
}
