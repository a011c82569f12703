package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.AppContext;
import dev.meshbox.bookinfo.Workload;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.Scenario;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The user's own service as a child JVM: it listens on the pod's app address and reaches other services through the
 * pod's sidecar, told both by arguments ({@code {listen}}, {@code {host}}, {@code {port}}, {@code {proxy}}), by the
 * environment ({@code MESHBOX_LISTEN}, {@code PORT}, {@code HTTP_PROXY}) and by Java's proxy properties.
 */
final class ProcessWorkload implements Workload {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Scenario.JavaApp spec;
    private final AppContext ctx;
    private Process process;
    private Path output;

    ProcessWorkload(Scenario.JavaApp spec, AppContext ctx) {
        this.spec = spec;
        this.ctx = ctx;
    }

    @Override
    public void start() {
        String host = ctx.listen().getAddress().getHostAddress();
        String port = Integer.toString(ctx.listen().getPort());
        String proxyHost = ctx.outboundProxy().getAddress().getHostAddress();
        String proxy = proxyHost + ":" + ctx.outboundProxy().getPort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dhttp.proxyHost=" + proxyHost);
        cmd.add("-Dhttp.proxyPort=" + ctx.outboundProxy().getPort());
        cmd.add("-Dhttp.nonProxyHosts=");
        if (spec.jar().isPresent()) {
            cmd.add("-jar");
            cmd.add(spec.jar().get().toString());
        } else {
            cmd.add("-cp");
            cmd.add(spec.classpath().orElseThrow());
            cmd.add(spec.mainClass().orElseThrow());
        }
        for (String a : spec.args()) {
            cmd.add(a.replace("{listen}", host + ":" + port)
                    .replace("{host}", host)
                    .replace("{port}", port)
                    .replace("{proxy}", proxy));
        }
        try {
            output = Files.createTempFile("meshbox-" + ctx.podName() + "-", ".log");
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = pb.environment();
            env.put("MESHBOX_LISTEN", host + ":" + port);
            env.put("MESHBOX_SERVICE", ctx.service());
            env.put("MESHBOX_VERSION", ctx.version());
            env.put("MESHBOX_POD", ctx.podName());
            env.put("PORT", port);
            env.put("HTTP_PROXY", "http://" + proxy);
            env.put("http_proxy", "http://" + proxy);
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    ctx.podName() + ": cannot start " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        awaitListening();
    }

    private void awaitListening() {
        String listen =
                ctx.listen().getAddress().getHostAddress() + ":" + ctx.listen().getPort();
        try {
            Wait.atMost(READY_TIMEOUT).pollingEvery(Duration.ofMillis(50)).until(ctx.podName(), () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(ctx.podName() + ": the process exited with " + process.exitValue()
                            + " before listening on " + listen + tail());
                }
                return accepts(ctx.listen()) ? Optional.empty() : Optional.of("nothing listens on " + listen);
            });
        } catch (Wait.TimedOut e) {
            String tail = tail();
            close();
            throw new IllegalStateException(ctx.podName() + ": did not listen on " + listen + " within "
                    + READY_TIMEOUT.toSeconds() + " s (it must bind {listen}, or MESHBOX_LISTEN)" + tail);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(ctx.podName() + ": interrupted while starting", e);
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(output);
            return lines.isEmpty()
                    ? ""
                    : "; its last output:\n  "
                            + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    @Override
    public InetSocketAddress address() {
        return ctx.listen();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (output != null) {
            try {
                Files.deleteIfExists(output);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
