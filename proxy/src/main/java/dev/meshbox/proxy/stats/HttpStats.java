package dev.meshbox.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/** Envoy's per connection manager counters, {@code http.<stat_prefix>.downstream_rq_*}. */
public final class HttpStats {

    /** One connection manager's counters; a status class's counter exists once a response of that class was seen. */
    private static final class Prefix {
        final LongAdder total = new LongAdder();
        final AtomicReferenceArray<LongAdder> byClass = new AtomicReferenceArray<>(10);
        /** Filters' counters under the prefix, such as the RBAC filter's {@code rbac.denied}. */
        final ConcurrentHashMap<String, LongAdder> named = new ConcurrentHashMap<>();
    }

    private final ConcurrentHashMap<String, Prefix> prefixes = new ConcurrentHashMap<>();

    public void countResponse(String statPrefix, int status) {
        if (statPrefix == null || statPrefix.isEmpty()) {
            return;
        }
        Prefix p = prefix(statPrefix);
        p.total.increment();
        int statusClass = Math.max(0, Math.min(9, status / 100));
        LongAdder c = p.byClass.get(statusClass);
        if (c == null) {
            p.byClass.compareAndSet(statusClass, null, new LongAdder());
            c = p.byClass.get(statusClass);
        }
        c.increment();
    }

    /** Counts {@code http.<statPrefix>.<name>}, a filter's counter (Envoy's {@code rbac.allowed}, ...). */
    public void count(String statPrefix, String name) {
        if (statPrefix == null || statPrefix.isEmpty()) {
            return;
        }
        prefix(statPrefix).named.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    private Prefix prefix(String statPrefix) {
        Prefix p = prefixes.get(statPrefix);
        return p != null ? p : prefixes.computeIfAbsent(statPrefix, k -> new Prefix());
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        prefixes.forEach((name, p) -> {
            String prefix = "http." + name + ".";
            out.put(prefix + "downstream_rq_total", p.total.sum());
            p.named.forEach((counter, c) -> out.put(prefix + counter, c.sum()));
            for (int i = 0; i < p.byClass.length(); i++) {
                LongAdder c = p.byClass.get(i);
                if (c != null) {
                    out.put(prefix + "downstream_rq_" + i + "xx", c.sum());
                }
            }
        });
        return out;
    }
}
