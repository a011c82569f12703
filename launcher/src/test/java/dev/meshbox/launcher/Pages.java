package dev.meshbox.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Loads Bookinfo pages through the ingress and classifies them as a user would: by their stars. */
final class Pages {
    enum Stars {
        NONE,
        BLACK,
        RED
    }

    record Page(int status, String body) {
        Stars stars() {
            if (body.contains("text-red-500")) {
                return Stars.RED;
            }
            return body.contains("text-black-500") ? Stars.BLACK : Stars.NONE;
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final InetSocketAddress ingress;

    Pages(InetSocketAddress ingress) {
        this.ingress = ingress;
    }

    Page load(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + ingress.getHostString() + ":" + ingress.getPort() + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Page(r.statusCode(), r.body());
    }

    List<Page> load(String path, int count) throws IOException, InterruptedException {
        List<Page> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(load(path));
        }
        return out;
    }

    /** Istio's samples, read unmodified from ../shared/istio/samples when this checkout has it. */
    static Optional<Path> istioSamples() {
        String override = System.getProperty("meshbox.istio.samples");
        Path p = override != null
                ? Path.of(override)
                : Path.of("").toAbsolutePath().getParent().getParent().resolve("shared/istio/samples");
        return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
    }

    /** The project's own copies of the same resources (scenarios/istio), present in every clone. */
    static Path projectFixtures() {
        return Path.of("").toAbsolutePath().getParent().resolve("scenarios/istio");
    }
}
