package dev.meshbox.proxy.forward;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Envoy's per connection manager counters, {@code http.<stat_prefix>.downstream_rq_*}. */
public final class HttpStats {

  private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

  void countResponse(String statPrefix, int status) {
    if (statPrefix == null || statPrefix.isEmpty()) {
      return;
    }
    String prefix = "http." + statPrefix + ".";
    counters.computeIfAbsent(prefix + "downstream_rq_total", k -> new LongAdder()).increment();
    counters.computeIfAbsent(prefix + "downstream_rq_" + (status / 100) + "xx", k -> new LongAdder()).increment();
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
