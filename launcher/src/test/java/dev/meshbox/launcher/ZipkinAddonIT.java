package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.addons.ZipkinAddon;
import dev.meshbox.launcher.addons.ZipkinJar;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.scenarios.Scenario;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Istio's Zipkin addon beside a loopback mesh: Zipkin's own server answers on its pod's address, the proxies reach it
 * as {@code zipkin.istio-system:9411} through the registry (the collector cluster's host), it stores and returns spans,
 * and it stops with the mesh.
 */
@MeshTest(workloads = "sleep", tracing = true)
class ZipkinAddonIT {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @Test
    void zipkinIsUpWithInMemoryStorage(Mesh mesh) throws Exception {
        URI zipkin = mesh.zipkin().orElseThrow();

        HttpResponse<String> health = get(zipkin.resolve("/health"));

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"").contains("InMemoryStorage");
    }

    @Test
    void theProxiesReachZipkinAsTheZipkinServiceInIstioSystem(Mesh mesh) {
        Responses r = mesh.send(
                3,
                Request.get("http://zipkin.istio-system:9411/api/v2/services").from("sleep"));

        assertThat(r.statuses()).containsOnlyKeys(200);
        assertThat(r.clusters().keySet())
                .singleElement()
                .asString()
                .startsWith("outbound|9411||zipkin.istio-system.svc.cluster.local");
    }

    @Test
    void zipkinStoresAndReturnsASpanInZipkinV2Json(Mesh mesh) throws Exception {
        URI zipkin = mesh.zipkin().orElseThrow();
        String traceId = "463ac35c9f6413ad48485a3953bb6124";
        long micros = System.currentTimeMillis() * 1000;
        String span = "[{\"traceId\":\"" + traceId + "\",\"id\":\"a2fb4a1d1a96d312\",\"kind\":\"SERVER\","
                + "\"name\":\"productpage.default.svc.cluster.local:9080/*\",\"timestamp\":" + micros
                + ",\"duration\":1200,\"localEndpoint\":{\"serviceName\":\"productpage.default\"}}]";

        HttpResponse<String> posted = HTTP.send(
                HttpRequest.newBuilder(zipkin.resolve("/api/v2/spans"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(span))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(posted.statusCode()).isEqualTo(202);
        assertThat(get(zipkin.resolve("/zipkin/api/v2/trace/" + traceId)).body())
                .contains("\"serviceName\":\"productpage.default\"");
    }

    @Test
    void zipkinStopsWithTheMesh() throws Exception {
        // The class's own mesh runs a Zipkin too: only the processes this mesh adds are this one's.
        List<ProcessHandle> before = zipkinProcesses();
        ZipkinAddon zipkin = new ZipkinAddon(ZipkinJar.resolve(System.out), false);
        LocalMesh mesh = LocalMesh.start(
                zipkin.addTo(MeshSpec.of(List.of(new Scenario.Builtin("sleep")))),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()));
        InetSocketAddress address = zipkin.address().orElseThrow();
        List<ProcessHandle> servers =
                zipkinProcesses().stream().filter(p -> !before.contains(p)).toList();
        assertThat(accepts(address)).isTrue();
        assertThat(servers).isNotEmpty();

        mesh.close();

        assertThat(accepts(address)).isFalse();
        assertThat(servers).noneMatch(ProcessHandle::isAlive);
    }

    private static List<ProcessHandle> zipkinProcesses() {
        return ProcessHandle.current()
                .descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("zipkin-server"))
                .toList();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
