package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.AccessLogQueries;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The access logs of every proxy, merged, read from their admin ports from a cursor on: the page polls with the cursor
 * of its last answer and gets only what is new. The cursor is each pod's last sequence number, {@code pod:seq,...}.
 */
final class AccessLogTail {

    /**
     * One access-log line, with the pod that wrote it.
     *
     * @param details Envoy's response code details ({@code rbac_access_denied_matched_policy[...]}, ...)
     * @param peer    the caller's mutual TLS identity on an inbound request, else empty
     * @param denial  when the proxy refused the request itself, who and which rule decided, with the caller's identity
     *                ({@link AccessLogQueries#denial}, the scenario report's and the JUnit messages' wording); else
     *                empty
     */
    record Entry(
            String pod,
            String workload,
            long seq,
            String time,
            String direction,
            String method,
            String path,
            String authority,
            int code,
            String flags,
            long durationMs,
            String upstreamCluster,
            String upstreamHost,
            String route,
            String requestId,
            String details,
            String peer,
            String denial) {}

    record Page(List<Entry> entries, String cursor, Map<String, String> unreadable) {}

    static final int MAX_LIMIT = 500;

    private final UiMesh mesh;
    private final ObjectMapper json = new ObjectMapper();

    AccessLogTail(UiMesh mesh) {
        this.mesh = mesh;
    }

    /**
     * @param cursor   from the previous page, or empty for the latest {@code limit} entries
     * @param workload only pods of this app, workload or pod name; empty for all
     */
    Page read(String cursor, String workload, int limit) {
        Map<String, Long> since = parseCursor(cursor);
        List<Entry> entries = new ArrayList<>();
        Map<String, Long> next = new LinkedHashMap<>(since);
        Map<String, String> unreadable = new LinkedHashMap<>();
        for (Pod p : mesh.pods()) {
            long from = since.getOrDefault(p.name(), 0L);
            try {
                JsonNode rows = json.readTree(mesh.adminGet(p, "/access_log?format=json&since=" + from));
                for (JsonNode e : rows) {
                    next.merge(p.name(), e.path("seq").asLong(), Math::max);
                    if (workload.isEmpty()
                            || workload.equals(p.app())
                            || workload.equals(p.workload())
                            || workload.equals(p.name())) {
                        entries.add(entry(p, e));
                    }
                }
            } catch (IOException | RuntimeException e) {
                unreadable.put(p.name(), e.getMessage());
            }
        }
        entries.sort(Comparator.comparing(Entry::time).thenComparing(Entry::pod).thenComparingLong(Entry::seq));
        List<Entry> last = entries.size() > limit ? entries.subList(entries.size() - limit, entries.size()) : entries;
        return new Page(List.copyOf(last), renderCursor(next), unreadable);
    }

    static Map<String, Long> parseCursor(String cursor) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (cursor == null || cursor.isBlank()) {
            return out;
        }
        for (String part : cursor.split(",")) {
            int colon = part.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                out.put(part.substring(0, colon), Long.parseLong(part.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(
                        "since: expected the cursor of the last answer (pod:seq,...), got \"" + part + "\"");
            }
        }
        return out;
    }

    static String renderCursor(Map<String, Long> seqs) {
        StringBuilder sb = new StringBuilder();
        seqs.forEach((pod, seq) ->
                sb.append(sb.length() == 0 ? "" : ",").append(pod).append(':').append(seq));
        return sb.toString();
    }

    private static Entry entry(Pod p, JsonNode e) {
        MeshAccess.LogEntry logged = new MeshAccess.LogEntry(
                p.name(),
                p.labels(),
                e.path("direction").asText(),
                text(e, "request_id"),
                e.path("response_code").asInt(),
                text(e, "response_flags"),
                text(e, "upstream_cluster"),
                text(e, "route_name"),
                e.path("duration_ms").asDouble(),
                text(e, "authority"),
                text(e, "response_code_details"),
                text(e, "downstream_peer_uri_san"),
                p.namespace());
        return new Entry(
                p.name(),
                p.workload(),
                e.path("seq").asLong(),
                e.path("start_time").asText(),
                e.path("direction").asText(),
                e.path("method").asText(),
                e.path("path").asText(),
                text(e, "authority"),
                e.path("response_code").asInt(),
                text(e, "response_flags"),
                e.path("duration_ms").asLong(),
                text(e, "upstream_cluster"),
                text(e, "upstream_host"),
                text(e, "route_name"),
                text(e, "request_id"),
                logged.responseCodeDetails(),
                logged.downstreamPeerUriSan(),
                AccessLogQueries.denial(logged).orElse(""));
    }

    private static String text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }
}
