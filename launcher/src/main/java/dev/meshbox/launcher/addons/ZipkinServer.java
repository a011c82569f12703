package dev.meshbox.launcher.addons;

import dev.meshbox.bookinfo.Workload;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Zipkin's own server (the exec jar) with in-memory storage, as Istio's {@code samples/addons/extras/zipkin.yaml} runs
 * it, bound only to the given loopback addresses (Armeria's {@code armeria.ports[i].ip}; the first is its URL). Ready
 * once {@code /health} answers 200.
 */
public final class ZipkinServer implements Workload {
    /** Zipkin's port, and the port of Istio's {@code zipkin} Service in istio-system. */
    public static final int PORT = 9411;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Path jar;
    private final List<InetSocketAddress> binds;
    private ChildProcess process;

    /**
     * @param binds where it listens, at least one; {@link #address()} and {@link #url()} are the first
     */
    public ZipkinServer(Path jar, List<InetSocketAddress> binds) {
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("Zipkin needs an address to listen on");
        }
        this.jar = jar;
        this.binds = List.copyOf(binds);
    }

    /** The command line: a small heap and the quick JIT, in-memory storage (Zipkin's default). */
    List<String> command() {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString(),
                "--zipkin.storage.type=mem"));
        for (int i = 0; i < binds.size(); i++) {
            InetSocketAddress b = binds.get(i);
            cmd.add("--armeria.ports[" + i + "].ip=" + b.getAddress().getHostAddress());
            cmd.add("--armeria.ports[" + i + "].port=" + b.getPort());
            cmd.add("--armeria.ports[" + i + "].protocols=http");
        }
        return cmd;
    }

    @Override
    public void start() {
        process = ChildProcess.start("zipkin", command());
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(500))
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
        URI health = URI.create(base() + "/health");
        try {
            Wait.atMost(READY_TIMEOUT).pollingEvery(Duration.ofMillis(250)).until("zipkin", () -> {
                if (!process.alive()) {
                    throw new IllegalStateException("Zipkin exited before it served " + health + process.tail());
                }
                try {
                    int status = http.send(
                                    HttpRequest.newBuilder(health)
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    return status == 200 ? Optional.empty() : Optional.of(health + " answered " + status);
                } catch (IOException notYet) {
                    return Optional.of("nothing answers on " + health);
                }
            });
        } catch (Wait.TimedOut e) {
            String tail = process.tail();
            close();
            throw new IllegalStateException(
                    "Zipkin did not answer " + health + " within " + READY_TIMEOUT.toSeconds() + " s" + tail);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting Zipkin", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private String base() {
        InetSocketAddress a = binds.get(0);
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Zipkin's UI; its API is under {@code /api/v2} and {@code /zipkin/api/v2}. */
    public String url() {
        return base() + "/zipkin/";
    }

    @Override
    public InetSocketAddress address() {
        return binds.get(0);
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
