package dev.meshbox.launcher.addons;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Debian's {@code prometheus} beside a mesh, configured as Istio's addon ({@code samples/addons/prometheus.yaml}):
 * {@code scrape_interval: 15s}, job {@code kubernetes-pods} scraping every proxy's {@code /stats/prometheus} on 15090
 * (Kubernetes discovery replaced by a {@code file_sd_configs} file listing each proxy's address with its
 * {@code namespace}, {@code pod}, {@code app} and {@code version} labels, rewritten when pods come and go), and job
 * {@code prometheus} scraping itself. It listens on loopback only and keeps its data in a temp dir removed on close.
 */
public final class PrometheusServer implements AutoCloseable {
    /** Prometheus' port, as Istio's addon Service has it. */
    public static final int PORT = 9090;
    /** The scrape interval of Istio's addon. */
    public static final Duration ISTIO_SCRAPE_INTERVAL = Duration.ofSeconds(15);
    /** The proxies' Prometheus port (Envoy's 15090). */
    public static final int PROXY_STATS_PORT = 15090;
    /** The Debian package that has the binary. */
    public static final String PACKAGE = "prometheus";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private InetSocketAddress listen;
    private final Supplier<List<Pod>> proxies;
    private final Optional<InetSocketAddress> controlPlane;
    private final Path dir;
    private final Path targets;
    private final ScheduledExecutorService refresher;
    private ChildProcess process;
    private String written = "";

    private PrometheusServer(
            InetSocketAddress listen, Supplier<List<Pod>> proxies, Optional<InetSocketAddress> controlPlane, Path dir) {
        this.controlPlane = controlPlane;
        this.listen = listen;
        this.proxies = proxies;
        this.dir = dir;
        this.targets = dir.resolve("kubernetes-pods.json");
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshbox-prometheus-targets");
            t.setDaemon(true);
            return t;
        });
    }

    /** The {@code prometheus} binary on the PATH, if installed. */
    public static Optional<Path> binary() {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d.isEmpty() ? "." : d, "prometheus");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The binary, or an error saying which package has it. */
    public static Path requireBinary() {
        return binary().orElseThrow(() -> new IllegalStateException("Prometheus: no prometheus binary on the PATH;"
                + " install Debian's package: apt-get install -y " + PACKAGE));
    }

    /**
     * Starts Prometheus on {@code listen} scraping the proxies {@code proxies} lists (read now and every 5 s), and
     * returns once it is ready.
     */
    public static PrometheusServer start(
            InetSocketAddress listen, Duration scrapeInterval, Supplier<List<Pod>> proxies) {
        return start(listen, scrapeInterval, proxies, Optional.empty());
    }

    /**
     * As {@link #start(InetSocketAddress, Duration, Supplier)}, also scraping the control plane's monitoring address
     * ({@code /metrics}, istiod's 15014) in job {@code kubernetes-pods} as an {@code app=istiod} pod, as Istio's addon
     * finds istiod by its {@code prometheus.io/scrape} annotations.
     */
    public static PrometheusServer start(
            InetSocketAddress listen,
            Duration scrapeInterval,
            Supplier<List<Pod>> proxies,
            Optional<InetSocketAddress> controlPlane) {
        Path binary = requireBinary();
        Path dir;
        try {
            dir = Files.createTempDirectory("meshbox-prometheus-");
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus: cannot create its data directory: " + e.getMessage(), e);
        }
        PrometheusServer server = new PrometheusServer(listen, proxies, controlPlane, dir);
        try {
            server.boot(binary, scrapeInterval);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Istio's addon on the Docker backend: container {@code prometheus} in istio-system on the mesh network (no
     * sidecar), Debian's binary from this machine mounted on the MeshBox image as {@link dev.meshbox.launcher.docker
     * .DockerMesh#startAddon} runs it, with the same jobs: {@code kubernetes-pods} scraping each proxy's 15090 at its
     * container IP and istiod's {@code /metrics} at {@code istiod:15014}, {@code prometheus} itself. The targets file
     * lives in a host directory mounted into the container and is rewritten as pods come and go. 9090 is published on
     * 127.0.0.1 at {@code hostPort} (0: a free port); the container goes with the mesh.
     */
    public static PrometheusServer startOnDocker(
            dev.meshbox.launcher.docker.DockerMesh mesh, int hostPort, Duration scrapeInterval) {
        Path binary = requireBinary();
        Path dir;
        try {
            dir = Files.createTempDirectory("meshbox-prometheus-");
            // The container's user reads the mounted config: the directory and its files are world-readable.
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus: cannot create its config directory: " + e.getMessage(), e);
        }
        PrometheusServer server = new PrometheusServer(
                new InetSocketAddress("127.0.0.1", hostPort),
                mesh::proxies,
                Optional.of(InetSocketAddress.createUnresolved("istiod", 15014)),
                dir);
        try {
            Path configFile = dir.resolve("prometheus.yml");
            Files.writeString(
                    configFile,
                    config(scrapeInterval, Path.of("/etc/meshbox-addon/kubernetes-pods.json"), "127.0.0.1:" + PORT));
            world(configFile);
            server.refresh();
            InetSocketAddress published = mesh.startAddon(
                    "prometheus",
                    binary,
                    dir,
                    List.of(
                            "--config.file=/etc/meshbox-addon/prometheus.yml",
                            "--storage.tsdb.path=/tmp/prometheus",
                            "--web.listen-address=0.0.0.0:" + PORT),
                    PORT,
                    hostPort);
            server.listen = published;
            server.refresher.scheduleWithFixedDelay(server::refreshQuietly, 5, 5, TimeUnit.SECONDS);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            server.close();
            throw new UncheckedIOException("Prometheus: cannot write its config: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static void world(Path file) throws IOException {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    private void boot(Path binary, Duration scrapeInterval) {
        Path configFile = dir.resolve("prometheus.yml");
        try {
            Files.writeString(configFile, config(scrapeInterval, targets, hostPort(listen)));
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus: cannot write " + configFile + ": " + e.getMessage(), e);
        }
        refresh();
        process = ChildProcess.start(
                "prometheus",
                List.of(
                        binary.toString(),
                        "--config.file=" + configFile,
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=" + hostPort(listen)),
                List.of(dir));
        refresher.scheduleWithFixedDelay(this::refreshQuietly, 5, 5, TimeUnit.SECONDS);
        awaitReady();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(500))
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
        URI ready = URI.create(url() + "-/ready");
        try {
            Wait.atMost(READY_TIMEOUT).pollingEvery(Duration.ofMillis(200)).until("prometheus", () -> {
                if (process != null && !process.alive()) {
                    throw new IllegalStateException("Prometheus exited before it was ready" + process.tail());
                }
                try {
                    int status = http.send(
                                    HttpRequest.newBuilder(ready)
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    return status == 200 ? Optional.empty() : Optional.of(ready + " answered " + status);
                } catch (IOException notYet) {
                    return Optional.of("nothing answers on " + ready);
                }
            });
        } catch (Wait.TimedOut e) {
            throw new IllegalStateException("Prometheus was not ready on " + ready + " within "
                    + READY_TIMEOUT.toSeconds() + " s" + (process == null ? "" : process.tail()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Prometheus", e);
        }
    }

    /** Istio's addon scrape config, with the pods job's targets from {@code targetsFile}. */
    static String config(Duration scrapeInterval, Path targetsFile, String self) {
        return "# Generated by MeshBox: Istio's samples/addons/prometheus.yaml jobs, Kubernetes discovery replaced by a"
                + " file of the mesh's proxies.\n"
                + "global:\n"
                + "  scrape_interval: " + scrapeInterval.toSeconds() + "s\n"
                + "  scrape_timeout: " + Math.min(10, scrapeInterval.toSeconds()) + "s\n"
                + "  evaluation_interval: 1m\n"
                + "scrape_configs:\n"
                + "- job_name: prometheus\n"
                + "  static_configs:\n"
                + "  - targets: ['" + self + "']\n"
                + "- job_name: kubernetes-pods\n"
                + "  honor_labels: true\n"
                + "  metrics_path: /stats/prometheus\n"
                + "  file_sd_configs:\n"
                + "  - files: ['" + targetsFile + "']\n"
                + "    refresh_interval: 5s\n";
    }

    /** The file_sd targets: each proxy's 15090 with Istio's relabelled pod labels. */
    static String targets(List<Pod> proxies) {
        return targets(proxies, Optional.empty());
    }

    /** The file_sd targets: each proxy's 15090, then the control plane's monitoring address as istiod's pod. */
    static String targets(List<Pod> proxies, Optional<InetSocketAddress> controlPlane) {
        StringBuilder json = new StringBuilder("[");
        controlPlane.ifPresent(cp -> json.append("\n  {\"targets\": [")
                .append(quote(hostPort(cp)))
                .append(
                        "], \"labels\": {\"__metrics_path__\": \"/metrics\", \"app\": \"istiod\", \"istio\": \"pilot\",")
                .append(" \"namespace\": \"istio-system\", \"pod\": \"istiod\"}}"));
        List<Pod> sorted = new ArrayList<>(proxies);
        sorted.sort(Comparator.comparing(Pod::ip).thenComparing(Pod::name));
        for (Pod p : sorted) {
            Map<String, String> labels = new TreeMap<>();
            p.labels().forEach((k, v) -> labels.put(k.replaceAll("[^a-zA-Z0-9_]", "_"), v));
            labels.put("namespace", p.namespace());
            labels.put("pod", p.name());
            if (json.length() > 1) {
                json.append(',');
            }
            json.append("\n  {\"targets\": [")
                    .append(quote(p.ip() + ":" + PROXY_STATS_PORT))
                    .append("], \"labels\": {");
            boolean first = true;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                json.append(first ? "" : ", ")
                        .append(quote(l.getKey()))
                        .append(": ")
                        .append(quote(l.getValue()));
                first = false;
            }
            json.append("}}");
        }
        return json.append("\n]\n").toString();
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Rewrites the targets file when the proxies changed; atomically, so Prometheus never reads half a file. */
    synchronized void refresh() {
        String now = targets(proxies.get(), controlPlane);
        if (now.equals(written)) {
            return;
        }
        try {
            Path tmp = dir.resolve("kubernetes-pods.json.tmp");
            Files.writeString(tmp, now, StandardCharsets.UTF_8);
            world(tmp);
            Files.move(tmp, targets, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            written = now;
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus: cannot write " + targets + ": " + e.getMessage(), e);
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // The next round tries again; the targets Prometheus has stay as they were.
        }
    }

    private static String hostPort(InetSocketAddress a) {
        return (a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }

    /** Prometheus' UI and HTTP API base, e.g. {@code http://127.0.0.1:9090/}. */
    public String url() {
        return "http://" + hostPort(listen) + "/";
    }

    /** Stops Prometheus and removes its config and data; idempotent. */
    @Override
    public void close() {
        refresher.shutdownNow();
        if (process != null) {
            process.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
