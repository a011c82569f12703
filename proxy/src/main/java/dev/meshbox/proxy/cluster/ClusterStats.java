package dev.meshbox.proxy.cluster;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/** Envoy's per-cluster upstream counters; they survive CDS updates that keep the cluster. */
public final class ClusterStats {
  public final LongAdder upstreamCxTotal = new LongAdder();
  public final LongAdder upstreamCxActive = new LongAdder();
  public final LongAdder upstreamCxConnectFail = new LongAdder();
  public final LongAdder upstreamRqTotal = new LongAdder();
  public final LongAdder upstreamRqActive = new LongAdder();
  public final LongAdder upstreamRq2xx = new LongAdder();
  public final LongAdder upstreamRq3xx = new LongAdder();
  public final LongAdder upstreamRq4xx = new LongAdder();
  public final LongAdder upstreamRq5xx = new LongAdder();
  public final LongAdder upstreamRqRetry = new LongAdder();
  public final LongAdder upstreamRqRetrySuccess = new LongAdder();
  public final LongAdder upstreamRqTimeout = new LongAdder();
  public final LongAdder upstreamRqPerTryTimeout = new LongAdder();
  public final LongAdder upstreamRqPendingOverflow = new LongAdder();
  public final LongAdder upstreamCxNoneHealthy = new LongAdder();
  public final LongAdder upstreamRqMirror = new LongAdder();

  /** Counts a response status from upstream (local replies are not upstream responses). */
  public void countStatus(int status) {
    switch (status / 100) {
      case 2 -> upstreamRq2xx.increment();
      case 3 -> upstreamRq3xx.increment();
      case 4 -> upstreamRq4xx.increment();
      case 5 -> upstreamRq5xx.increment();
      default -> { }
    }
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> m = new TreeMap<>();
    m.put("upstream_cx_total", upstreamCxTotal.sum());
    m.put("upstream_cx_active", upstreamCxActive.sum());
    m.put("upstream_cx_connect_fail", upstreamCxConnectFail.sum());
    m.put("upstream_cx_none_healthy", upstreamCxNoneHealthy.sum());
    m.put("upstream_rq_total", upstreamRqTotal.sum());
    m.put("upstream_rq_active", upstreamRqActive.sum());
    m.put("upstream_rq_2xx", upstreamRq2xx.sum());
    m.put("upstream_rq_3xx", upstreamRq3xx.sum());
    m.put("upstream_rq_4xx", upstreamRq4xx.sum());
    m.put("upstream_rq_5xx", upstreamRq5xx.sum());
    m.put("upstream_rq_retry", upstreamRqRetry.sum());
    m.put("upstream_rq_retry_success", upstreamRqRetrySuccess.sum());
    m.put("upstream_rq_timeout", upstreamRqTimeout.sum());
    m.put("upstream_rq_per_try_timeout", upstreamRqPerTryTimeout.sum());
    m.put("upstream_rq_pending_overflow", upstreamRqPendingOverflow.sum());
    m.put("upstream_rq_mirror", upstreamRqMirror.sum());
    return m;
  }
}
