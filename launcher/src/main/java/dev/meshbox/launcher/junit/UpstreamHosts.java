package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.AccessLogQueries;
import dev.meshbox.scenarios.MeshAccess;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the sender's proxy sent each request ({@code %UPSTREAM_HOST%}) and which pod served it: a pod's own address, or
 * another network's east-west gateway on 15443 that passed it on by SNI, so an explanation shows a call that crossed
 * clusters as such.
 */
final class UpstreamHosts {

    /** Istio's port for mTLS passthrough on an east-west gateway (AUTO_PASSTHROUGH by SNI). */
    static final String GATEWAY_PORT = ":15443";
    /** The most addresses a line names; the rest are counted. */
    static final int SHOWN = 6;

    private UpstreamHosts() {}

    /**
     * {@code ADDRESS (POD@CLUSTER)} or {@code ADDRESS (east-west gateway, then POD@CLUSTER)} with how many requests
     * went there, the most first, over the requests {@code ids}; empty when the sender logged no upstream host.
     */
    static Map<String, Integer> sentTo(
            String from, String service, java.util.Set<String> ids, List<MeshAccess.LogEntry> log) {
        Map<String, String> servedBy = AccessLogQueries.podsServing(service, log);
        Map<String, String> clusterOf = new HashMap<>();
        for (MeshAccess.LogEntry e : log) {
            clusterOf.putIfAbsent(e.pod(), e.podLabels().getOrDefault(AccessLogQueries.CLUSTER_LABEL, ""));
        }
        Map<String, Integer> counts = new HashMap<>();
        for (MeshAccess.LogEntry e : log) {
            if (e.upstreamHost().isEmpty() || !ids.contains(e.requestId()) || !AccessLogQueries.atSource(from, e)) {
                continue;
            }
            String pod = servedBy.get(e.requestId());
            String who = pod == null ? "" : pod + at(clusterOf.getOrDefault(pod, ""));
            String via = e.upstreamHost().endsWith(GATEWAY_PORT) ? "east-west gateway" : "";
            String what = via.isEmpty() ? who : who.isEmpty() ? via : via + ", then " + who;
            counts.merge(e.upstreamHost() + (what.isEmpty() ? "" : " (" + what + ")"), 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        Map<String, Integer> out = new LinkedHashMap<>();
        int rest = 0;
        for (Map.Entry<String, Integer> e : sorted) {
            if (out.size() < SHOWN) {
                out.put(e.getKey(), e.getValue());
            } else {
                rest += e.getValue();
            }
        }
        if (rest > 0) {
            out.put((sorted.size() - SHOWN) + " more addresses", rest);
        }
        return out;
    }

    /** {@code @cluster2}; nothing for a mesh of one cluster (Istio's default id, Kubernetes) or an unlabelled pod. */
    private static String at(String cluster) {
        return cluster.isEmpty() || cluster.equals(dev.meshbox.proxy.stats.Workload.DEFAULT_CLUSTER)
                ? ""
                : "@" + cluster;
    }
}
