package dev.meshbox.launcher.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The CLI's side of the running mesh's admin API. */
final class AdminClient {
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    AdminClient(URI base) {
        this.base = base;
    }

    /** A response, or an {@link IllegalStateException} that says no mesh is running. */
    HttpResponse<String> send(HttpRequest.Builder request, String path) throws IOException, InterruptedException {
        try {
            return http.send(
                    request.uri(base.resolve(path))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IllegalStateException("no mesh is running at " + base + "; start one with ./meshbox up");
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder().GET(), path);
    }
}
