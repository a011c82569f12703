package dev.meshbox.proxy.cluster;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.spec.ClusterSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Envoy's outlier detection for one cluster, consecutive-error kinds only, as a small state machine per host:
 * counting, then ejected for {@code min(base_ejection_time x backoff, max_ejection_time)}, then back at the first
 * interval tick after that, with the backoff decaying by one per healthy interval.
 *
 * <p>Ejections happen inline when a counter reaches its threshold exactly, and only if the share of ejected hosts
 * after the ejection stays within {@code max_ejection_percent} (else {@code ejections_overflow}). Interval ticks
 * are computed from the injected ticker and run when someone looks (a pick, an admin read), so a fake ticker
 * drives them without waiting; the result is the same as a timer firing on time. Connection-pool overflow never
 * reaches this class. State changes are synchronized; the ejected flag each host carries is what balancing reads.
 */
public final class OutlierDetector {

    /** A failure the proxy saw itself rather than a status from the upstream. */
    public enum LocalOrigin {
        CONNECT_FAILED,
        TIMEOUT,
        RESET
    }

    /** The hosts a balancer may use right now, cached until ejections or the host list change. */
    public record Selection(List<Host> source, long epoch, List<Host> hosts, boolean panic, PrioritySet priorities) {
        public Selection(List<Host> source, long epoch, List<Host> hosts, boolean panic) {
            this(source, epoch, hosts, panic, null);
        }

        /** The hosts for one request: {@link #hosts()}, or a priority's (and locality's) when the cluster has them. */
        public List<Host> candidates(RandomGenerator random) {
            return priorities == null ? hosts : priorities.choose(random);
        }
    }

    private enum Kind {
        CONSECUTIVE_5XX,
        CONSECUTIVE_GATEWAY_FAILURE,
        CONSECUTIVE_LOCAL_ORIGIN_FAILURE
    }

    private static final class Monitor {
        int consecutive5xx;
        int consecutiveGateway;
        int consecutiveLocal;
        int backoff;
        boolean ejected;
        long ejectedAt;
        boolean unejectedOnce;
        long unejectedAt;
    }

    private final Ticker ticker;
    private final RandomGenerator random;
    private final ClusterStats stats;
    private final Map<Host, Monitor> monitors = new HashMap<>();
    private volatile ClusterSpec.OutlierSpec spec;
    private volatile long epoch;
    private volatile long nextTick = Long.MAX_VALUE;
    private volatile Selection cached;
    private int ejectionsActive;

    public OutlierDetector(Ticker ticker, RandomGenerator random, ClusterStats stats) {
        this.ticker = ticker;
        this.random = random;
        this.stats = stats;
    }

    /** Applies a CDS update; null turns detection off and returns every ejected host. */
    public synchronized void configure(ClusterSpec.OutlierSpec newSpec) {
        ClusterSpec.OutlierSpec old = spec;
        spec = newSpec;
        if (newSpec == null) {
            monitors.forEach((host, m) -> {
                if (m.ejected) {
                    uneject(host, m, ticker.read());
                }
            });
            nextTick = Long.MAX_VALUE;
        } else if (old == null || !old.interval().equals(newSpec.interval())) {
            nextTick = ticker.read() + newSpec.interval().toNanos();
        }
    }

    /** The cluster's hosts after an EDS update: new ones start clean, removed ones take their ejection along. */
    public synchronized void setHosts(List<Host> hosts) {
        Map<Host, Monitor> next = new HashMap<>();
        for (Host h : hosts) {
            Monitor m = monitors.remove(h);
            next.put(h, m != null ? m : new Monitor());
        }
        monitors.values().forEach(m -> {
            if (m.ejected) {
                ejectionsActive--;
            }
        });
        monitors.clear();
        monitors.putAll(next);
        epoch++;
    }

    public boolean enabled() {
        return spec != null;
    }

    public synchronized int ejectionsActive() {
        return ejectionsActive;
    }

    /** An upstream answered {@code status}. */
    public void putHttpStatus(Host host, int status) {
        if (spec == null) {
            return;
        }
        synchronized (this) {
            Monitor m = monitors.get(host);
            if (m == null || spec == null) {
                return;
            }
            if (spec.splitExternalLocalOriginErrors()) {
                m.consecutiveLocal = 0;
            }
            record(host, m, status);
        }
    }

    /** The proxy itself failed to get an answer from {@code host}. */
    public void putLocalOrigin(Host host, LocalOrigin failure) {
        ClusterSpec.OutlierSpec s = spec;
        if (s == null) {
            return;
        }
        synchronized (this) {
            Monitor m = monitors.get(host);
            if (m == null || spec == null) {
                return;
            }
            if (!s.splitExternalLocalOriginErrors()) {
                // As Envoy does by default: a timeout counts as a 504, any other local failure as a 503.
                record(host, m, failure == LocalOrigin.TIMEOUT ? 504 : 503);
            } else if (++m.consecutiveLocal == s.consecutiveLocalOriginFailure()) {
                m.consecutiveLocal = 0;
                eject(host, m, Kind.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
            }
        }
    }

    private void record(Host host, Monitor m, int status) {
        ClusterSpec.OutlierSpec s = spec;
        if (status < 500) {
            m.consecutive5xx = 0;
            m.consecutiveGateway = 0;
            return;
        }
        if (status == 502 || status == 503 || status == 504) {
            if (++m.consecutiveGateway == s.consecutiveGatewayFailure()) {
                m.consecutiveGateway = 0;
                eject(host, m, Kind.CONSECUTIVE_GATEWAY_FAILURE);
            }
        } else {
            m.consecutiveGateway = 0;
        }
        if (++m.consecutive5xx == s.consecutive5xx()) {
            m.consecutive5xx = 0;
            eject(host, m, Kind.CONSECUTIVE_5XX);
        }
    }

    private void eject(Host host, Monitor m, Kind kind) {
        if (m.ejected) {
            return;
        }
        ClusterSpec.OutlierSpec s = spec;
        stats.ejectionsTotal.increment();
        double percentAfter = 100.0 * (ejectionsActive + 1) / monitors.size();
        boolean allowed = percentAfter <= s.maxEjectionPercent() || (s.alwaysEjectOneHost() && ejectionsActive == 0);
        if (!allowed) {
            stats.ejectionsOverflow.increment();
            return;
        }
        int enforcing = switch (kind) {
            case CONSECUTIVE_5XX -> {
                stats.ejectionsDetectedConsecutive5xx.increment();
                yield s.enforcingConsecutive5xx();
            }
            case CONSECUTIVE_GATEWAY_FAILURE -> {
                stats.ejectionsDetectedConsecutiveGatewayFailure.increment();
                yield s.enforcingConsecutiveGatewayFailure();
            }
            case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> {
                stats.ejectionsDetectedConsecutiveLocalOriginFailure.increment();
                yield s.enforcingConsecutiveLocalOriginFailure();
            }
        };
        if (enforcing < 100 && (enforcing <= 0 || random.nextInt(100) >= enforcing)) {
            return;
        }
        switch (kind) {
            case CONSECUTIVE_5XX -> stats.ejectionsEnforcedConsecutive5xx.increment();
            case CONSECUTIVE_GATEWAY_FAILURE -> stats.ejectionsEnforcedConsecutiveGatewayFailure.increment();
            case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> stats.ejectionsEnforcedConsecutiveLocalOriginFailure.increment();
        }
        stats.ejectionsEnforcedTotal.increment();
        ejectionsActive++;
        m.ejected = true;
        m.ejectedAt = ticker.read();
        if (s.baseEjectionTime().toNanos() * m.backoff < s.maxEjectionTime().toNanos()) {
            m.backoff++;
        }
        host.setEjected(true);
        epoch++;
    }

    private void uneject(Host host, Monitor m, long now) {
        m.ejected = false;
        m.consecutive5xx = 0;
        m.consecutiveGateway = 0;
        m.consecutiveLocal = 0;
        m.unejectedOnce = true;
        m.unejectedAt = now;
        ejectionsActive--;
        host.setEjected(false);
        epoch++;
    }

    /** Runs every interval tick that is due by the ticker; cheap when none is. */
    public void maybeTick() {
        long next = nextTick;
        if (next == Long.MAX_VALUE || ticker.read() < next) {
            return;
        }
        synchronized (this) {
            ClusterSpec.OutlierSpec s = spec;
            if (s == null) {
                return;
            }
            long now = ticker.read();
            long interval = s.interval().toNanos();
            long due = nextTick;
            if ((now - due) / interval > 100_000) {
                due = now - (now - due) % interval;
            }
            while (due <= now) {
                tick(s, due);
                due += interval;
            }
            nextTick = due;
        }
    }

    private void tick(ClusterSpec.OutlierSpec s, long at) {
        long interval = s.interval().toNanos();
        monitors.forEach((host, m) -> {
            if (!m.ejected) {
                if (m.unejectedOnce && at - m.unejectedAt >= interval && m.backoff > 0) {
                    m.backoff--;
                }
                return;
            }
            long ejectFor = Math.min(
                    s.baseEjectionTime().toNanos() * m.backoff,
                    s.maxEjectionTime().toNanos());
            if (at - m.ejectedAt >= ejectFor) {
                uneject(host, m, at);
            }
        });
    }

    /**
     * The hosts to balance over: healthy and not ejected, unless their share of all hosts is below the panic
     * threshold, in which case all hosts (Envoy's panic mode; a threshold of 0 disables it).
     */
    public Selection select(List<Host> all, List<Host> healthy, double panicThreshold) {
        return select(all, healthy, panicThreshold, false);
    }

    /**
     * As above, over Envoy's priority levels and, when {@code localityWeighted}, locality weights (see {@link
     * PrioritySet}) where the hosts have them; panic is then per priority, decided for each request's level.
     */
    public Selection select(List<Host> all, List<Host> healthy, double panicThreshold, boolean localityWeighted) {
        Selection c = cached;
        long e = epoch;
        if (c != null && c.source() == all && c.epoch() == e) {
            return c;
        }
        if (PrioritySet.needed(all, localityWeighted)) {
            Selection s = new Selection(all, e, all, false, PrioritySet.of(all, localityWeighted, panicThreshold));
            cached = s;
            return s;
        }
        List<Host> filtered = new ArrayList<>(healthy.size());
        for (Host h : healthy) {
            if (!h.ejected()) {
                filtered.add(h);
            }
        }
        List<Host> available = filtered.size() == healthy.size() ? healthy : List.copyOf(filtered);
        boolean panic = !all.isEmpty() && panicThreshold > 0 && 100.0 * available.size() / all.size() < panicThreshold;
        Selection s = new Selection(all, e, panic ? all : available, panic);
        cached = s;
        return s;
    }
}
