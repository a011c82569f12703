package dev.meshbox.launcher.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's side of a control plane that runs elsewhere (a container, a pod): everything {@link MeshAccess} asks of
 * the control plane and the proxies goes through its admin API ({@link AdminServer}), since the proxies sit on a
 * network the host may not reach.
 */
public final class ControlPlaneClient {

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    public ControlPlaneClient(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /** Empty when the admin API answers {@code /healthz} with 200, else why not (no answer, another status). */
    public Optional<String> unhealthyBecause() {
        try {
            int status = send(HttpRequest.newBuilder(base.resolve("/healthz"))
                            .timeout(Duration.ofSeconds(1))
                            .GET())
                    .statusCode();
            return status == 200 ? Optional.empty() : Optional.of("GET /healthz answered " + status);
        } catch (IllegalStateException e) {
            return Optional.of(e.getMessage());
        }
    }

    public MeshAccess.ApplyOutcome apply(List<MeshAccess.ConfigText> config) {
        String body;
        try {
            body = json.writeValueAsString(new AdminServer.ApplyRequest(config));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/apply"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        JsonNode answer = read(r, "/apply");
        List<String> changes = strings(answer.path("changes"));
        List<String> problems = strings(answer.path("problems"));
        if (r.statusCode() != 200 && problems.isEmpty()) {
            throw new IllegalStateException(
                    "the control plane answered /apply with " + r.statusCode() + ": " + r.body());
        }
        return new MeshAccess.ApplyOutcome(changes, problems);
    }

    public void reset() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/reset"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody()));
        expectOk(r, "/reset");
    }

    /** The registry's pods: name, labels, ip, role, ready. */
    public JsonNode pods() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/pods"))
                .timeout(Duration.ofSeconds(5))
                .GET());
        expectOk(r, "/pods");
        return read(r, "/pods");
    }

    /** The applied resources as YAML documents ({@code /debug/configz}), as they were applied. */
    public String configz() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/debug/configz"))
                .timeout(Duration.ofSeconds(10))
                .GET());
        expectOk(r, "/debug/configz");
        return r.body();
    }

    /** Empty when every proxy has ACKed the current config, else why not. */
    public Optional<String> lagging() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/debug/converged"))
                .timeout(Duration.ofSeconds(30))
                .GET());
        return r.statusCode() == 200
                ? Optional.empty()
                : Optional.of(read(r, "/debug/converged").path("reason").asText(r.body()));
    }

    public List<MeshAccess.LogEntry> accessLog() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/debug/access_log"))
                .timeout(Duration.ofSeconds(30))
                .GET());
        expectOk(r, "/debug/access_log");
        try {
            return json.readValue(r.body(), new TypeReference<List<MeshAccess.LogEntry>>() {});
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the control plane's /debug/access_log is not a list of entries: " + e.getMessage(), e);
        }
    }

    public Map<String, Long> counters(String workload) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/debug/counters/" + enc(workload)))
                .timeout(Duration.ofSeconds(10))
                .GET());
        if (r.statusCode() == 404) {
            throw new IllegalArgumentException(r.body().strip());
        }
        expectOk(r, "/debug/counters");
        try {
            return json.readValue(r.body(), new TypeReference<Map<String, Long>>() {});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** POSTs {@code path} to the admin port of {@code workload}'s proxy, from the control plane's network. */
    public String proxyAdminPost(String workload, String path) {
        HttpResponse<String> r =
                send(HttpRequest.newBuilder(base.resolve("/debug/proxy_admin/" + enc(workload) + "?path=" + enc(path)))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() == 404) {
            throw new IllegalArgumentException(r.body().strip());
        }
        expectOk(r, "/debug/proxy_admin");
        return r.body();
    }

    public Optional<String> describeRouting(String workload, String host) {
        HttpResponse<String> r = send(
                HttpRequest.newBuilder(base.resolve("/debug/routing?workload=" + enc(workload) + "&host=" + enc(host)))
                        .timeout(Duration.ofSeconds(10))
                        .GET());
        return r.statusCode() == 200 && !r.body().isBlank() ? Optional.of(r.body()) : Optional.empty();
    }

    /** Where a workload without a sidecar connects for {@code host:port}, as the control plane's registry resolves it. */
    public InetSocketAddress directTarget(String workload, String host, int port) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve(
                        "/debug/direct_target?workload=" + enc(workload) + "&host=" + enc(host) + "&port=" + port))
                .timeout(Duration.ofSeconds(10))
                .GET());
        if (r.statusCode() == 404) {
            throw new IllegalArgumentException(r.body().strip());
        }
        expectOk(r, "/debug/direct_target");
        JsonNode answer = read(r, "/debug/direct_target");
        return new InetSocketAddress(
                answer.path("ip").asText(), answer.path("port").asInt());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the control plane's admin API at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted talking to the control plane", e);
        }
    }

    private void expectOk(HttpResponse<String> r, String path) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException("the control plane answered " + path + " with " + r.statusCode() + ": "
                    + r.body().strip());
        }
    }

    private JsonNode read(HttpResponse<String> r, String path) {
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the control plane answered " + path + " with " + r.statusCode() + " and no JSON: " + r.body(), e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
