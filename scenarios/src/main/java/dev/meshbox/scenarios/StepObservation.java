package dev.meshbox.scenarios;

import java.util.List;
import java.util.Map;

/**
 * Everything observed in one step: the responses, the access logs of every proxy, where the traffic came from, and
 * the increase of the counters named by the step's expectations.
 */
record StepObservation(
        String from,
        List<TrafficDriver.Result> results,
        List<MeshAccess.LogEntry> log,
        Map<String, Long> counterDeltas,
        MeshAccess mesh) {

    /** Whether a log entry was written by the proxy the traffic entered through (the caller's sidecar or the gateway). */
    boolean atSource(MeshAccess.LogEntry e) {
        return AccessLogQueries.atSource(from, e);
    }

    static String counterKey(String workload, String stat) {
        return workload + "\u0000" + stat;
    }
}
