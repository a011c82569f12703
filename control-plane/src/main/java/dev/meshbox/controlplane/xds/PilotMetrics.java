package dev.meshbox.controlplane.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The xDS server's own metrics under istiod's names ({@code pilot/pkg/xds/monitoring.go}), for Prometheus to scrape from
 * the control plane's monitoring port as Istio's addon scrapes istiod's 15014: {@code pilot_xds} (connected xDS
 * streams), {@code pilot_xds_pushes} by {@code type} ({@code cds}, {@code eds}, {@code lds}, {@code rds}, {@code sds}),
 * {@code pilot_total_xds_rejects} by {@code type} (a proxy's NACK). Counted from java-control-plane's stream callbacks;
 * nothing here blocks.
 */
final class PilotMetrics implements DiscoveryServerCallbacks {
    private final AtomicLong connected = new AtomicLong();
    private final Map<String, LongAdder> pushes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejects = new ConcurrentHashMap<>();

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        connected.incrementAndGet();
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        connected.decrementAndGet();
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        connected.decrementAndGet();
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        if (!request.getResponseNonce().isEmpty() && request.hasErrorDetail()) {
            rejects.computeIfAbsent(type(request.getTypeUrl()), t -> new LongAdder())
                    .increment();
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        pushes.computeIfAbsent(type(response.getTypeUrl()), t -> new LongAdder())
                .increment();
    }

    /** istiod's short type label: {@code cds}, {@code eds}, {@code lds}, {@code rds}, {@code sds}, else the URL. */
    static String type(String typeUrl) {
        String shortType = AckLedger.shortType(typeUrl);
        return shortType.equals(typeUrl) ? typeUrl : shortType.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Prometheus text exposition of the counters, plus the gauges the caller knows ({@code pilot_services},
     * {@code pilot_virt_services}, ...) as name to value.
     */
    String prometheusText(Map<String, Long> gauges) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP pilot_xds xDS streams open from proxies.\n")
                .append("# TYPE pilot_xds gauge\n")
                .append("pilot_xds{version=\"meshbox\"} ")
                .append(Math.max(0, connected.get()))
                .append('\n');
        counter(out, "pilot_xds_pushes", "xDS responses sent to proxies, by type.", pushes);
        counter(out, "pilot_total_xds_rejects", "xDS responses proxies rejected (NACKed), by type.", rejects);
        new TreeMap<>(gauges)
                .forEach((name, value) -> out.append("# TYPE ")
                        .append(name)
                        .append(" gauge\n")
                        .append(name)
                        .append(' ')
                        .append(value)
                        .append('\n'));
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, Map<String, LongAdder> byType) {
        out.append("# HELP ")
                .append(name)
                .append(' ')
                .append(help)
                .append('\n')
                .append("# TYPE ")
                .append(name)
                .append(" counter\n");
        new TreeMap<>(byType)
                .forEach((type, n) -> out.append(name)
                        .append("{type=\"")
                        .append(type)
                        .append("\"} ")
                        .append(n.sum())
                        .append('\n'));
    }
}
