package dev.meshbox.bench;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.security.MeshConfigFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tracing benchmark's mesh minus its sidecar: the real control plane, the fast upstream behind Service
 * {@code fast}, and a span sink standing in for Zipkin (Service {@code zipkin} in istio-system, port 9411, a pod
 * without a sidecar on {@link #SINK_IP}) that answers every {@code POST /api/v2/spans} with 202 and counts the spans.
 * The sidecar {@code client-0} on {@link DataPlaneMesh#CLIENT_IP} runs as its own process.
 *
 * <p>Reads commands on stdin, one a line, and answers each on stdout once applied: {@code off} (mesh config
 * {@code enableTracing: false}: no tracing block on the connection managers, as a mesh without tracing), a number
 * {@code P} (tracing on, {@code defaultConfig.tracing.sampling: P}), {@code spans} (the spans received so far).
 */
public final class TracingMesh {

    static final String SINK_IP = "127.253.1.9";
    static final int ZIPKIN_PORT = 9411;

    private TracingMesh() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        int bodyBytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        FastUpstream upstream =
                FastUpstream.start(new InetSocketAddress(DataPlaneMesh.UPSTREAM_IP, DataPlaneMesh.PORT), bodyBytes, 1);
        AtomicLong spans = new AtomicLong();
        AtomicLong reports = new AtomicLong();
        HttpServer sink = HttpServer.create(new InetSocketAddress(SINK_IP, ZIPKIN_PORT), 64);
        sink.createContext("/api/v2/spans", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                int n = 0;
                for (int i = body.indexOf("\"traceId\""); i >= 0; i = body.indexOf("\"traceId\"", i + 1)) {
                    n++;
                }
                spans.addAndGet(n);
                reports.incrementAndGet();
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        sink.start();
        ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cp.close();
                            upstream.close();
                            sink.stop(0);
                        },
                        "bench-mesh-stop"));
        ServicePort http = new ServicePort("http", DataPlaneMesh.PORT, DataPlaneMesh.PORT, "HTTP");
        cp.registry().putService(new MeshService("fast", "default", List.of(http), Map.of("app", "fast")));
        cp.registry()
                .putService(new MeshService(
                        "zipkin",
                        "istio-system",
                        List.of(new ServicePort("http-query", ZIPKIN_PORT, ZIPKIN_PORT, "HTTP")),
                        Map.of("app", "zipkin")));
        cp.registry()
                .putPod(new Pod(
                        "fast-0",
                        "default",
                        DataPlaneMesh.UPSTREAM_IP,
                        DataPlaneMesh.UPSTREAM_IP,
                        Map.of("app", "fast", "version", "v1"),
                        Pod.ProxyKind.NONE,
                        true));
        cp.registry()
                .putPod(new Pod(
                        "zipkin-0",
                        "istio-system",
                        SINK_IP,
                        SINK_IP,
                        Map.of("app", "zipkin"),
                        Pod.ProxyKind.NONE,
                        true));
        cp.registry()
                .putPod(new Pod(
                        "client-0",
                        "default",
                        DataPlaneMesh.CLIENT_IP,
                        "127.253.1.1",
                        Map.of("app", "client", "version", "v1"),
                        Pod.ProxyKind.SIDECAR,
                        true));
        cp.meshConfig(MeshConfigFile.read("tracing off", "enableTracing: false\n"));
        System.out.printf(
                "ready xds=%d upstream=%s:%d sink=%s:%d%n",
                cp.xdsPort(), DataPlaneMesh.UPSTREAM_IP, upstream.address().getPort(), SINK_IP, ZIPKIN_PORT);
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = commands.readLine(); line != null; line = commands.readLine()) {
            String c = line.trim();
            if (c.equals("spans")) {
                System.out.println("spans " + spans.get() + " reports " + reports.get());
            } else if (c.equals("off")) {
                cp.meshConfig(MeshConfigFile.read("tracing off", "enableTracing: false\n"));
                System.out.println("applied off");
            } else if (!c.isEmpty()) {
                double sampling = Double.parseDouble(c);
                cp.meshConfig(MeshConfigFile.read(
                        "tracing " + c,
                        "enableTracing: true\ndefaultConfig:\n  tracing:\n    sampling: " + sampling + "\n"));
                System.out.println("applied " + c);
            }
            System.out.flush();
        }
        Runtime.getRuntime().exit(0);
    }
}
