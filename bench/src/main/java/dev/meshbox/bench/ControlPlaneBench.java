package dev.meshbox.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.meshbox.controlplane.registry.Pod;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The control-plane benchmark: {@code --clients} light ADS clients (one gRPC connection each, all in this JVM)
 * against the real control plane in a child JVM ({@link ControlPlaneServer}). Measures the time until all are in
 * sync, the control plane's heap and RSS per connected proxy, and for each of {@code --changes} VirtualService
 * changes the time from the apply until each client ACKed the new routes (convergence; p50, p99, max over all
 * clients and changes), after a first apply that adds the DestinationRule, reported on its own. Writes JSON to
 * {@code --out}.
 */
public final class ControlPlaneBench {

    private ControlPlaneBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        int clients = Integer.parseInt(a.getOrDefault("--clients", "1000"));
        int services = Integer.parseInt(a.getOrDefault("--services", "100"));
        int changes = Integer.parseInt(a.getOrDefault("--changes", "10"));
        String serverJvm = a.getOrDefault("--server-jvm", "-Xmx1g");
        int perService = (clients + services - 1) / services;
        List<String> cmd =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(List.of(serverJvm.split(" ")));
        cmd.addAll(List.of(
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                ControlPlaneServer.class.getName(),
                "--services",
                Integer.toString(services),
                "--pods-per-service",
                Integer.toString(perService)));
        Process server = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Map<String, Object> out = new LinkedHashMap<>();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            BufferedReader from =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            PrintStream to = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
            Map<String, String> ready = fields(expect(from, "ready"));
            int xds = Integer.parseInt(ready.get("xds"));
            out.put("clients", clients);
            out.put("services", services);
            out.put("podsPerService", perService);
            out.put("serverJvm", serverJvm);
            out.put("registerMs", Double.parseDouble(ready.get("registerMs")));
            to.println("heap");
            Map<String, String> idle = fields(expect(from, "heap"));

            List<LightAdsClient> ads = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < clients; i++) {
                Pod pod = ControlPlaneServer.pod(i / perService, i % perService);
                LightAdsClient c = new LightAdsClient(pod.nodeId(), pod.app() + ".default");
                ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", xds)
                        .usePlaintext()
                        .executor(executor)
                        .maxInboundMessageSize(64 << 20)
                        .build();
                channels.add(ch);
                c.start(ch);
                ads.add(c);
            }
            waitFor(
                    () -> ads.stream().allMatch(LightAdsClient::synced),
                    Integer.parseInt(a.getOrDefault("--sync-timeout", "120")),
                    "every client in sync",
                    ads);
            out.put("initialSyncMs", (System.nanoTime() - t0) / 1e6);
            to.println("heap");
            Map<String, String> connected = fields(expect(from, "heap"));
            long heapDelta = Long.parseLong(connected.get("used")) - Long.parseLong(idle.get("used"));
            long rssDelta = Long.parseLong(connected.get("rssKb")) - Long.parseLong(idle.get("rssKb"));
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("heapUsedBeforeClientsBytes", Long.parseLong(idle.get("used")));
            mem.put("heapUsedWithClientsBytes", Long.parseLong(connected.get("used")));
            mem.put("rssBeforeClientsKb", Long.parseLong(idle.get("rssKb")));
            mem.put("rssWithClientsKb", Long.parseLong(connected.get("rssKb")));
            mem.put("heapPerProxyKb", heapDelta / 1024.0 / clients);
            mem.put("rssPerProxyKb", (double) rssDelta / clients);
            out.put("controlPlaneMemory", mem);

            Histogram convergence = new Histogram(3);
            List<Map<String, Object>> perChange = new ArrayList<>();
            // Apply 0 adds svc-000's DestinationRule with the VirtualService: new subset clusters, so every client gets
            // new
            // CDS and asks for the endpoints of every cluster again (state of the world). It is a DestinationRule
            // change
            // and is reported on its own; the convergence percentiles are over the VirtualService changes 1..N after
            // it.
            for (int n = 0; n <= changes; n++) {
                int[] before = ads.stream().mapToInt(LightAdsClient::routeAcks).toArray();
                long start = System.nanoTime();
                to.println("apply " + n);
                waitFor(
                        () -> {
                            for (int i = 0; i < ads.size(); i++) {
                                if (ads.get(i).routeAcks() <= before[i]) {
                                    return false;
                                }
                            }
                            return true;
                        },
                        60,
                        "every client ACKing change " + n,
                        ads);
                Map<String, String> applied = fields(expect(from, "applied"));
                Histogram h = new Histogram(3);
                for (int i = 0; i < ads.size(); i++) {
                    long micros = Math.max(1, (ads.get(i).routeAckNanos(before[i]) - start) / 1000);
                    h.recordValue(micros);
                    if (n > 0) {
                        convergence.recordValue(micros);
                    }
                }
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("change", n);
                c.put("applyMs", Double.parseDouble(applied.get("applyMs")));
                c.put("serverSawAllAcksMs", Double.parseDouble(applied.get("convergedMs")));
                c.put("serverConverged", Boolean.parseBoolean(applied.get("converged")));
                c.put("controlPlaneCpuMs", Double.parseDouble(applied.getOrDefault("cpuMs", "NaN")));
                c.put("clientAckMs", OpenLoopLoad.percentiles(h));
                if (n == 0) {
                    out.put("destinationRuleChange", c);
                } else {
                    perChange.add(c);
                }
                Thread.sleep(200);
            }
            out.put("convergenceMs", OpenLoopLoad.percentiles(convergence));
            out.put("changes", perChange);
            to.println("quit");
            ads.forEach(LightAdsClient::close);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            executor.shutdownNow();
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (a.containsKey("--out")) {
            json.writeValue(Path.of(a.get("--out")).toFile(), out);
        }
        System.out.println(json.writeValueAsString(out));
    }

    private static String expect(BufferedReader from, String prefix) throws IOException {
        for (String line = from.readLine(); line != null; line = from.readLine()) {
            if (line.startsWith(prefix + " ")) {
                return line;
            }
            System.err.println("control plane: " + line);
        }
        throw new IOException("the control plane exited before answering \"" + prefix + "\"");
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : line.split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                m.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return m;
    }

    private static void waitFor(
            java.util.function.BooleanSupplier done, int seconds, String what, List<LightAdsClient> ads)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                long failed = ads.stream().filter(c -> c.failure() != null).count();
                String example = ads.stream()
                        .filter(c -> c.failure() != null)
                        .findFirst()
                        .map(c -> c.failure().toString())
                        .orElse("none");
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what + "; " + failed
                        + " streams failed (e.g. " + example + "); first lagging: "
                        + ads.stream()
                                .filter(c -> !c.synced())
                                .findFirst()
                                .map(LightAdsClient::describe)
                                .orElse("none"));
            }
            Thread.sleep(1);
        }
    }
}
