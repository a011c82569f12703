package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's default outboundTrafficPolicy, ALLOW_ANY, on a loopback mesh: sleep reaches a server outside the mesh (a
 * loopback server the test runs, on a port no service uses, declared nowhere) at the address it dialled, through
 * PassthroughCluster, and Istio's metrics name that cluster as the destination service. (httpbin is there so the
 * sidecar has an HTTP connection manager to carry the passthrough with; see the proxy's DownstreamHandler.)
 */
class AllowAnyIT {

    private static LocalMesh mesh;
    private static HttpServer outside;

    @BeforeAll
    static void up() throws Exception {
        outside = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        outside.createContext("/", ex -> {
            byte[] body = ("outside the mesh, Host " + ex.getRequestHeaders().getFirst("Host"))
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        outside.start();
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Builtin("httpbin"))),
                LocalOptions.isolated(OptionalLong.of(5)),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (outside != null) {
            outside.stop(0);
        }
    }

    @Test
    void anUndeclaredDestinationIsReachedThroughPassthroughCluster() throws Exception {
        String authority = "127.0.0.1:" + outside.getAddress().getPort();
        TrafficDriver.Result r = new TrafficDriver(mesh)
                .send(
                        new Scenario.Traffic("sleep", "GET", "http://" + authority + "/", Map.of(), 1, 1),
                        "allowany",
                        x -> {})
                .get(0);

        assertThat(r.status())
                .as(
                        "%s %s",
                        r.body(),
                        mesh.accessLog().stream()
                                .filter(l -> l.requestId().equals(r.requestId()))
                                .toList())
                .isEqualTo(200);
        assertThat(r.body()).isEqualTo("outside the mesh, Host " + authority);
        MeshAccess.LogEntry e = mesh.accessLog().stream()
                .filter(l ->
                        l.requestId().equals(r.requestId()) && l.direction().equals("outbound"))
                .findFirst()
                .orElseThrow();
        assertThat(e.upstreamCluster()).isEqualTo("PassthroughCluster");
        InetSocketAddress stats = mesh.pod("sleep").proxy().prometheusAddress();
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + stats.getHostString() + ":" + stats.getPort()
                                        + "/stats/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).contains("destination_service_name=\"PassthroughCluster\"");
    }
}
