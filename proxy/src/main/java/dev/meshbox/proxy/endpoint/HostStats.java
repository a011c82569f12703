package dev.meshbox.proxy.endpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Per-host counters, printed by {@code /clusters} in Envoy's order. */
public final class HostStats implements ConnectionEvents {
    public final LongAdder cxActive = new LongAdder();
    public final LongAdder cxConnectFail = new LongAdder();
    public final LongAdder cxTotal = new LongAdder();
    public final LongAdder rqActive = new LongAdder();
    public final LongAdder rqError = new LongAdder();
    public final LongAdder rqSuccess = new LongAdder();
    public final LongAdder rqTimeout = new LongAdder();
    public final LongAdder rqTotal = new LongAdder();

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("cx_active", cxActive.sum());
        m.put("cx_connect_fail", cxConnectFail.sum());
        m.put("cx_total", cxTotal.sum());
        m.put("rq_active", rqActive.sum());
        m.put("rq_error", rqError.sum());
        m.put("rq_success", rqSuccess.sum());
        m.put("rq_timeout", rqTimeout.sum());
        m.put("rq_total", rqTotal.sum());
        return m;
    }

    @Override
    public void connectStarted() {
        cxTotal.increment();
    }

    @Override
    public void connected() {
        cxActive.increment();
    }

    @Override
    public void connectFailed() {
        cxConnectFail.increment();
    }

    @Override
    public void closed() {
        cxActive.decrement();
    }
}
