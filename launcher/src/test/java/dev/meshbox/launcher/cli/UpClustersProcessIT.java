package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./meshbox up --clusters 2} as a user runs it, a process of the built jar: it prints both clusters and the web
 * UI, whose mesh is both clusters on their networks; {@code ./meshbox apply --cluster cluster2} reaches cluster2's
 * control plane only, an unknown cluster is named with the list; and SIGTERM (Ctrl-C's shutdown) stops everything and
 * frees up's fixed ports.
 */
class UpClustersProcessIT {

    private static final Path JAR = Path.of("target/meshbox.jar");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void upWithTwoClustersServesBothInItsUiAppliesPerClusterAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(JAR), "no " + JAR.toAbsolutePath() + ": run after mvn package");
        assumeTrue(UpCommand.busyPorts().isEmpty(), "up's fixed ports are in use here: " + UpCommand.busyPorts());
        int uiPort = freePort();
        StringBuffer output = new StringBuffer();
        CountDownLatch ready = new CountDownLatch(1);
        Process up = meshbox("up", "--clusters", "2", "--workloads", "sleep", "--ui-port", Integer.toString(uiPort))
                .start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (line.startsWith("Press Ctrl-C to stop.")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                output.append("(output not readable: ").append(e).append(")\n");
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            boolean started = ready.await(150, TimeUnit.SECONDS);
            assertThat(started).as("up --clusters 2 printed:%n%s", output).isTrue();
            assertThat(output.toString())
                    .contains("MeshBox is up in")
                    .contains("(2 clusters)")
                    .containsPattern("cluster1 +ingress http://[0-9.]+:8080 ")
                    .contains("network network2")
                    .contains("Web UI         http://127.0.0.1:" + uiPort + "   (every cluster)");

            JsonNode mesh = get(uiPort, "/api/mesh");
            List<String> clusters = new ArrayList<>();
            mesh.path("clusters")
                    .forEach(c -> clusters.add(
                            c.path("name").asText() + "/" + c.path("network").asText()));
            assertThat(clusters)
                    .as("the UI's mesh: %s", mesh)
                    .containsExactly("cluster1/network1", "cluster2/network2");
            assertThat(mesh.path("multicluster").asText()).isEqualTo("multi-primary");

            Path rule = dir.resolve("sleep-dr.yaml");
            Files.writeString(rule, """
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata:
                      name: sleep-only-in-cluster2
                      namespace: default
                    spec:
                      host: sleep.default.svc.cluster.local
                      trafficPolicy:
                        loadBalancer:
                          simple: ROUND_ROBIN
                    """);
            Ran applied = run("apply", "-f", rule.toString(), "--cluster", "cluster2");
            assertThat(applied.exit()).as(applied.output()).isZero();
            assertThat(resourceNames(uiPort, "cluster2")).contains("sleep-only-in-cluster2");
            assertThat(resourceNames(uiPort, "cluster1")).doesNotContain("sleep-only-in-cluster2");

            Ran unknown = run("apply", "-f", rule.toString(), "--cluster", "cluster9");
            assertThat(unknown.exit()).as(unknown.output()).isNotZero();
            assertThat(unknown.output())
                    .contains("cluster9")
                    .contains("cluster1")
                    .contains("cluster2");
        } finally {
            // SIGTERM, which runs the JVM's shutdown hook as Ctrl-C does; through the handle, which (unlike
            // Process.destroy) leaves the output stream open for what up prints while it stops.
            up.toHandle().destroy();
            boolean stopped = up.waitFor(60, TimeUnit.SECONDS);
            if (!stopped) {
                up.destroyForcibly();
            }
            reader.join(5_000);
            assertThat(stopped)
                    .as("up stopped within 60 s of SIGTERM; printed:%n%s", output)
                    .isTrue();
        }
        assertThat(output.toString()).contains("Stopping MeshBox (2 clusters) ...");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!UpCommand.busyPorts().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(UpCommand.busyPorts()).as("up's fixed ports free again").isEmpty();
    }

    private record Ran(int exit, String output) {}

    private static ProcessBuilder meshbox(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    private static Ran run(String... args) throws IOException, InterruptedException {
        Process p = meshbox(args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("meshbox %s", String.join(" ", args))
                .isTrue();
        return new Ran(p.exitValue(), out);
    }

    private static List<String> resourceNames(int uiPort, String cluster) throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        get(uiPort, "/api/config?cluster=" + cluster)
                .path("resources")
                .forEach(r -> names.add(r.path("name").asText()));
        return names;
    }

    private static JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
