package dev.meshbox.bookinfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Talks to one test app on loopback: plain requests, JSON bodies, and raw requests for a forged Host. */
final class AppClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    HttpResponse<String> get(Workload app, String path, String... headers) {
        return send(app, "GET", path, "", headers);
    }

    HttpResponse<String> send(Workload app, String method, String path, String body, String... headers) {
        try {
            return http.send(request(app, method, path, body, headers), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    CompletableFuture<HttpResponse<String>> sendAsync(Workload app, String method, String path) {
        return http.sendAsync(request(app, method, path, ""), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode getJson(Workload app, String path, String... headers) {
        return json(get(app, path, headers));
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** Sends {@code head} (CRLF line ends, no blank line) with Connection: close; Java's client refuses a Host. */
    static String raw(Workload app, String head) {
        InetSocketAddress a = app.address();
        try (Socket socket = new Socket(a.getAddress(), a.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpRequest request(Workload app, String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(TestMesh.uri(app, path))
                .timeout(Duration.ofSeconds(15))
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return request.build();
    }
}
