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
    }

    private final ConcurrentHashMap<String, Prefix> prefixes = new ConcurrentHashMap<>();

    public void countResponse(String statPrefix, int status) {
        if (statPrefix == null || statPrefix.isEmpty()) {
            return;
        }
        Prefix p = prefixes.get(statPrefix);
        if (p == null) {
            p = prefixes.computeIfAbsent(statPrefix, k -> new Prefix());
        }
        p.total.increment();
        int statusClass = Math.max(0, Math.min(9, status / 100));
        LongAdder c = p.byClass.get(statusClass);
        if (c == null) {
            p.byClass.compareAndSet(statusClass, null, new LongAdder());
            c = p.byClass.get(statusClass);
        }
        c.increment();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        prefixes.forEach((name, p) -> {
            String prefix = "http." + name + ".";
            out.put(prefix + "downstream_rq_total", p.total.sum());
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
