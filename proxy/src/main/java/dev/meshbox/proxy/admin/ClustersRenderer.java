package dev.meshbox.proxy.admin;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.Host;
import java.util.Map;
import java.util.TreeMap;

/** Envoy's {@code /clusters} text: {@code cluster::host::stat::value} lines. */
final class ClustersRenderer {

    private ClustersRenderer() {}

    static String render(Map<String, UpstreamCluster> clusters) {
        StringBuilder out = new StringBuilder();
        for (UpstreamCluster c : new TreeMap<>(clusters).values()) {
            String name = c.name();
            c.outlier().maybeTick();
            var limits = c.spec().limits();
            out.append(name).append("::observability_name::").append(name).append('\n');
            out.append(name)
                    .append("::default_priority::max_connections::")
                    .append(limits.maxConnections())
                    .append('\n');
            out.append(name)
                    .append("::default_priority::max_pending_requests::")
                    .append(limits.maxPendingRequests())
                    .append('\n');
            out.append(name)
                    .append("::default_priority::max_requests::")
                    .append(limits.maxRequests())
                    .append('\n');
            out.append(name)
                    .append("::default_priority::max_retries::")
                    .append(limits.maxRetries())
                    .append('\n');
            out.append(name).append("::added_via_api::true\n");
            for (Host h : c.hosts()) {
                String prefix = name + "::" + h.hostPort() + "::";
                h.stats()
                        .snapshot()
                        .forEach((k, v) -> out.append(prefix)
                                .append(k)
                                .append("::")
                                .append(v)
                                .append('\n'));
                out.append(prefix).append("hostname::\n");
                out.append(prefix)
                        .append("health_flags::")
                        .append(healthFlags(h))
                        .append('\n');
                out.append(prefix).append("weight::").append(h.spec().weight()).append('\n');
                var locality = h.spec().locality();
                out.append(prefix).append("region::").append(locality.region()).append('\n');
                out.append(prefix).append("zone::").append(locality.zone()).append('\n');
                out.append(prefix)
                        .append("sub_zone::")
                        .append(locality.subZone())
                        .append('\n');
                out.append(prefix).append("canary::false\n");
                out.append(prefix)
                        .append("priority::")
                        .append(locality.priority())
                        .append('\n');
                out.append(prefix).append("success_rate::-1\n");
                out.append(prefix).append("local_origin_success_rate::-1\n");
            }
        }
        return out.toString();
    }

    /** Envoy's flag strings in Envoy's order, or {@code healthy} when none is set. */
    static String healthFlags(Host h) {
        String flags = (h.ejected() ? "/failed_outlier_check" : "") + (h.healthy() ? "" : "/failed_eds_health");
        return flags.isEmpty() ? "healthy" : flags;
    }
}
