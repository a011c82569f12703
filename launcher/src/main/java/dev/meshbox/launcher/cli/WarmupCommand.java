package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.ui.MeshUi;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code meshbox warmup}: runs a small local mesh once, with the admin API and the web UI that {@code up} adds, and
 * serves a few pages, so that a JVM started with {@code -XX:ArchiveClassesAtExit} records every class a control plane,
 * a proxy, an app and the UI load. The Docker backend's image build runs it to make a class-data-sharing archive,
 * which every container then maps instead of loading and verifying the same classes again; the {@code meshbox}
 * script does the same for the local backend once per jar. Never fails: a partial archive is still an archive.
 */
@Command(name = "warmup", hidden = true, description = "Exercise a local mesh once (for a class-data-sharing archive).")
public final class WarmupCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (LocalMesh mesh = LocalMesh.start(
                MeshSpec.bookinfo(),
                LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()))) {
            URI page = URI.create("http://" + mesh.ingress().getAddress().getHostAddress() + ":"
                    + mesh.ingress().getPort() + "/productpage");
            for (int i = 0; i < 10; i++) {
                get(http, page);
            }
            mesh.accessLog();
            try (AdminServer admin = new AdminServer(mesh.control(), "127.0.0.1", 0);
                    WebUi ui = WebUi.start(
                            new MeshUi(mesh.control(), List.of(new Scenario.Builtin("bookinfo"))),
                            WebUi.Options.loopback(0, Optional.empty()))) {
                get(http, URI.create("http://127.0.0.1:" + admin.port() + "/proxies"));
                get(http, URI.create(ui.url() + "/"));
                get(http, URI.create(ui.url() + "/api/mesh"));
            }
            System.out.println("warmup: done");
        } catch (Exception e) {
            System.out.println("warmup: incomplete (" + e.getMessage() + "); the archive covers what was loaded");
        }
        return 0;
    }

    private static void get(HttpClient http, URI uri) throws IOException, InterruptedException {
        http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding());
    }
}
