package dev.meshbox.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.tls.TlsProvider;
import dev.meshbox.proxy.xds.ConfigDumpRenderer;
import dev.meshbox.proxy.xds.TypeUrls;
import dev.meshbox.proxy.xds.XdsTypeStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The admin endpoints on {@code podIP:15000}, as Envoy names and formats them. */
public final class AdminEndpoints implements Function<QueryStringDecoder, AdminResponse> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final AdminSources src;

    public AdminEndpoints(AdminSources src) {
        this.src = src;
    }

    @Override
    public AdminResponse apply(QueryStringDecoder query) {
        return apply("GET", query);
    }

    /**
     * A request with its method: endpoints that change the server's state want POST, as Envoy's admin does ({@code
     * 405 Method GET not allowed, POST required.} otherwise).
     */
    public AdminResponse apply(String method, QueryStringDecoder query) {
        if (query.path().equals("/drain_listeners")) {
            if (!method.equals("POST")) {
                return AdminResponse.text(405, "Method " + method + " not allowed, POST required.\n");
            }
            if (src.drainListeners() == null) {
                return AdminResponse.text(501, "/drain_listeners is not available here\n");
            }
            src.drainListeners().accept(query.parameters().containsKey("inboundonly"));
            return AdminResponse.text(200, "OK\n");
        }
        return switch (query.path()) {
            case "/" ->
                AdminResponse.text(
                        200,
                        String.join(
                                        "\n",
                                        "/config_dump",
                                        "/clusters",
                                        "/listeners",
                                        "/stats",
                                        "/ready",
                                        "/access_log",
                                        "/xds_status",
                                        "/certs",
                                        "/server_info",
                                        "/drain_listeners (POST)")
                                + "\n");
            case "/ready" ->
                src.ready().getAsBoolean()
                        ? AdminResponse.text(200, "LIVE\n")
                        : AdminResponse.text(503, "PRE_INITIALIZING\n");
            case "/config_dump" -> configDump();
            case "/clusters" ->
                AdminResponse.text(
                        200, ClustersRenderer.render(src.config().get().clusters()));
            case "/listeners" -> listeners();
            case "/stats" -> stats(param(query, "filter"));
            case "/access_log" -> accessLog(param(query, "format"), param(query, "since"));
            case "/xds_status" -> json(xdsStatus());
            case "/certs" -> json(src.certs().get());
            case "/server_info" -> json(serverInfo());
            default -> AdminResponse.text(404, "unknown admin path " + query.path() + "\n");
        };
    }

    /** The health endpoint on {@code podIP:15021}. */
    public static Function<QueryStringDecoder, AdminResponse> health(java.util.function.BooleanSupplier ready) {
        return query -> {
            if (!query.path().equals("/healthz/ready")) {
                return AdminResponse.text(404, "unknown path " + query.path() + "\n");
            }
            return ready.getAsBoolean() ? AdminResponse.text(200, "") : AdminResponse.text(503, "not ready\n");
        };
    }

    /** The Prometheus endpoint on {@code podIP:15090}. */
    public static Function<QueryStringDecoder, AdminResponse> prometheus(java.util.function.Supplier<String> render) {
        return query -> query.path().equals("/stats/prometheus")
                ? new AdminResponse(200, dev.meshbox.proxy.stats.PrometheusRenderer.CONTENT_TYPE, render.get())
                : AdminResponse.text(404, "unknown path " + query.path() + "\n");
    }

    /** Envoy's {@code /server_info} in part: the state, and which TLS implementation the contexts use. */
    private Map<String, Object> serverInfo() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", "meshbox");
        out.put("state", src.ready().getAsBoolean() ? "LIVE" : "PRE_INITIALIZING");
        out.put("tls_provider", TlsProvider.describe());
        return out;
    }

    private static String param(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private AdminResponse configDump() {
        try {
            return AdminResponse.json(
                    ConfigDumpRenderer.render(src.applier(), src.xdsStatus().get()));
        } catch (InvalidProtocolBufferException e) {
            return AdminResponse.text(500, "cannot print config dump: " + e.getMessage() + "\n");
        }
    }

    private AdminResponse listeners() {
        StringBuilder out = new StringBuilder();
        src.config().get().listeners().values().stream()
                .map(l -> l.name())
                .sorted()
                .forEach(name -> {
                    var spec = src.config().get().listeners().get(name);
                    out.append(name)
                            .append("::0.0.0.0:")
                            .append(spec.port())
                            .append(spec.bindToPort() ? "" : "::virtual")
                            .append('\n');
                });
        src.boundPorts()
                .get()
                .forEach((port, name) -> out.append("bound::")
                        .append(port)
                        .append("::")
                        .append(name)
                        .append('\n'));
        src.bindErrors()
                .get()
                .forEach((port, error) -> out.append("bind_error::")
                        .append(port)
                        .append("::")
                        .append(error)
                        .append('\n'));
        return AdminResponse.text(200, out.toString());
    }

    private AdminResponse stats(String filter) {
        Pattern pattern;
        try {
            pattern = filter == null ? null : Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            return AdminResponse.text(400, "filter: invalid regex '" + filter + "': " + e.getDescription() + "\n");
        }
        Map<String, Long> all = new TreeMap<>();
        Map<String, UpstreamCluster> clusters = src.config().get().clusters();
        clusters.values()
                .forEach(c -> c.statsSnapshot().forEach((k, v) -> all.put("cluster." + c.name() + "." + k, v)));
        all.putAll(src.httpStats().get());
        all.put("cluster_manager.active_clusters", (long) clusters.size());
        all.put("listener_manager.total_listeners_active", (long)
                src.config().get().listeners().size());
        all.put("server.state", src.ready().getAsBoolean() ? 0L : 2L);
        src.xdsStatus().get().values().forEach(s -> {
            String prefix = "control_plane." + TypeUrls.shortName(s.typeUrl()).toLowerCase() + ".";
            all.put(prefix + "update_success", s.acks());
            all.put(prefix + "update_rejected", s.nacks());
        });
        StringBuilder out = new StringBuilder();
        all.forEach((k, v) -> {
            if (pattern == null || pattern.matcher(k).find()) {
                out.append(k).append(": ").append(v).append('\n');
            }
        });
        return AdminResponse.text(200, out.toString());
    }

    private AdminResponse accessLog(String format, String since) {
        long from;
        try {
            from = since == null ? 0 : Long.parseLong(since);
        } catch (NumberFormatException e) {
            return AdminResponse.text(400, "since: expected a sequence number, got '" + since + "'\n");
        }
        List<AccessLogEntry> entries = src.accessLog().since(from);
        if ("json".equals(format)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            entries.forEach(e -> rows.add(toJson(e)));
            return json(rows);
        }
        StringBuilder out = new StringBuilder();
        entries.forEach(e -> out.append(e.format()).append('\n'));
        return AdminResponse.text(200, out.toString());
    }

    static Map<String, Object> toJson(AccessLogEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.seq());
        m.put("start_time", e.startTime().toString());
        m.put("method", e.method());
        m.put("path", e.path());
        m.put("protocol", e.protocol());
        m.put("response_code", e.responseCode());
        m.put("response_flags", e.responseFlags());
        m.put("response_code_details", e.responseCodeDetails());
        m.put("upstream_transport_failure_reason", e.upstreamTransportFailureReason());
        m.put("bytes_received", e.bytesReceived());
        m.put("bytes_sent", e.bytesSent());
        m.put("duration_ms", e.durationMs());
        m.put("upstream_service_time", e.upstreamServiceTime());
        m.put("x_forwarded_for", e.xForwardedFor());
        m.put("user_agent", e.userAgent());
        m.put("request_id", e.requestId());
        m.put("authority", e.authority());
        m.put("upstream_host", e.upstreamHost());
        m.put("upstream_cluster", e.upstreamCluster());
        m.put("upstream_local_address", e.upstreamLocalAddress());
        m.put("downstream_local_address", e.downstreamLocalAddress());
        m.put("downstream_remote_address", e.downstreamRemoteAddress());
        m.put("route_name", e.routeName() == null || e.routeName().isEmpty() ? null : e.routeName());
        m.put("direction", e.direction());
        m.put("listener", e.listener());
        m.put("downstream_peer_uri_san", e.downstreamPeerUriSan());
        // Envoy's %GRPC_STATUS(SNAKE_STRING)%: UNAVAILABLE, OK...; null for an answer without grpc-status.
        m.put("grpc_status", AccessLogEntry.grpcStatusName(e.grpcStatus()));
        return m;
    }

    private Map<String, Object> xdsStatus() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (XdsTypeStatus s : src.xdsStatus().get().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", TypeUrls.shortName(s.typeUrl()));
            m.put("version", s.acceptedVersion());
            m.put("nonce", s.lastNonce());
            m.put("nack_reason", s.nackReason());
            m.put("nacked_version", s.nackedVersion());
            m.put("last_update", s.lastUpdate() == null ? null : s.lastUpdate().toString());
            m.put("subscribed", new TreeSet<>(s.subscribedNames()));
            m.put("acks", s.acks());
            m.put("nacks", s.nacks());
            out.put(s.typeUrl(), m);
        }
        return out;
    }

    private static AdminResponse json(Object value) {
        try {
            return AdminResponse.json(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            return AdminResponse.text(500, "cannot render JSON: " + e.getMessage() + "\n");
        }
    }
}
