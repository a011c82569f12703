package dev.meshbox.controlplane.xds;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Waiting until proxies hold what the control plane wants them to: how callers know an apply has taken effect in the
 * data plane without sleeping.
 *
 * <p>Invariant: the reply path ({@link #heardFrom}, called on gRPC threads for every ACK and NACK) takes no lock a
 * waiter holds. It adds the node to each waiter's concurrent set and unparks the waiter's thread; waiters read the
 * ledger's immutable records and never block the streams, however many proxies they are waiting for.
 */
public final class Convergence {

    /** Where one node stands against what it should hold. */
    enum Sync {
        /** It ACKed every type's wanted version, for every name the snapshot holds. */
        SYNCED,
        /** It has not ACKed something yet. */
        LAGGING,
        /** It NACKed the very version it should hold: waiting longer will not change that. */
        REJECTED
    }

    /** How a wait ended. */
    public enum Ending {
        CONVERGED,
        REJECTED,
        TIMED_OUT
    }

    /**
     * How a wait ended, and the nodes that ended it that way: none when converged, the node that rejected its
     * snapshot, or those still lagging at the timeout (sorted).
     */
    public record Outcome(Ending ending, List<String> nodes) {
        public Outcome {
            nodes = List.copyOf(nodes);
        }

        public boolean converged() {
            return ending == Ending.CONVERGED;
        }
    }

    /** One wait under way: the nodes heard from since it last looked, and the thread to wake. */
    private record Waiter(Set<String> changed, Thread thread) {
        void heardFrom(String node) {
            if (changed.add(node)) {
                LockSupport.unpark(thread);
            }
        }
    }

    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final Duration rescan;

    /**
     * @param rescan how often a wait looks at every lagging node again, not only at those heard from: a node can also
     *     get in sync by a publish that wants what it already holds
     */
    Convergence(Duration rescan) {
        this.rescan = rescan;
    }

    /** A node replied (ACK or NACK): the waits under way look at it again. Never blocks. */
    void heardFrom(String node) {
        for (Waiter w : waiters) {
            w.heardFrom(node);
        }
    }

    /** The number of waits under way. */
    int waiting() {
        return waiters.size();
    }

    /**
     * Waits until every one of {@code nodes} is {@link Sync#SYNCED}; ends at once when one is {@link Sync#REJECTED},
     * and at the timeout otherwise. A node once in sync is done: it holds the caller's change or a later one.
     *
     * @param syncOf where a node stands; called on the waiting thread, for the nodes heard from since the last look
     *     (1000 ACKs from 1000 proxies are 1000 calls, not a million) and for every lagging node each rescan
     */
    Outcome await(Set<String> nodes, Duration timeout, Function<String, Sync> syncOf) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> lagging = new HashSet<>(nodes);
        Waiter waiter = new Waiter(ConcurrentHashMap.newKeySet(), Thread.currentThread());
        Set<String> changed = waiter.changed();
        waiters.add(waiter);
        try {
            long rescanAt = System.nanoTime();
            while (true) {
                List<String> look;
                if (System.nanoTime() - rescanAt >= 0) {
                    rescanAt = System.nanoTime() + rescan.toNanos();
                    changed.clear();
                    look = new ArrayList<>(lagging);
                } else {
                    look = new ArrayList<>();
                    for (Iterator<String> it = changed.iterator(); it.hasNext(); ) {
                        look.add(it.next());
                        it.remove();
                    }
                }
                for (String node : look) {
                    if (!lagging.contains(node)) {
                        continue;
                    }
                    Sync sync = syncOf.apply(node);
                    if (sync == Sync.REJECTED) {
                        return new Outcome(Ending.REJECTED, List.of(node));
                    }
                    if (sync == Sync.SYNCED) {
                        lagging.remove(node);
                    }
                }
                if (lagging.isEmpty()) {
                    return new Outcome(Ending.CONVERGED, List.of());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new Outcome(
                            Ending.TIMED_OUT, lagging.stream().sorted().toList());
                }
                if (changed.isEmpty()) {
                    // A reply arriving between the look and the park unparks first, and the park returns at once.
                    LockSupport.parkNanos(this, Math.min(left, Math.max(0, rescanAt - System.nanoTime())));
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiters.remove(waiter);
        }
    }
}
