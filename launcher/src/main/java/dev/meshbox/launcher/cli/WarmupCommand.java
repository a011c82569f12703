package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code meshbox warmup}: runs a small local mesh once and serves a few pages, so that a JVM started with
 * {@code -XX:ArchiveClassesAtExit} records every class a control plane, a proxy and an app load. The Docker backend's
 * image build runs it to make a class-data-sharing archive, which every container then maps instead of loading and
 * verifying the same classes again. Never fails: a partial archive is still an archive.
 */
@Command(name = "warmup", hidden = true, description = "Exercise a local mesh once (for a class-data-sharing archive).")
public final class WarmupCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (LocalMesh mesh = LocalMesh.start(MeshSpec.bookinfo(), LocalOptions.isolated(OptionalLong.empty()),
                new PrintStream(OutputStream.nullOutputStream()))) {
            URI page = URI.create("http://" + mesh.ingress().getAddress().getHostAddress() + ":" + mesh.ingress().getPort() + "/productpage");
            for (int i = 0; i < 10; i++) {
                http.send(HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            }
            mesh.accessLog();
            System.out.println("warmup: done");
        } catch (Exception e) {
            System.out.println("warmup: incomplete (" + e.getMessage() + "); the archive covers what was loaded");
        }
        return 0;
    }
}
