package dev.meshbox.bench;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The data-plane benchmark's mesh minus its sidecars: the real control plane and the fast upstream, in one JVM.
 * The sidecars run as their own processes ({@code dev.meshbox.proxy.Main}), so their CPU and memory are measured
 * alone, and get all of their routing over ADS from here. Registered, all in namespace default:
 *
 * <ul>
 *   <li>{@code client-0}: a sidecar on {@link #CLIENT_IP}, the one wrk and the latency generator talk to on 15001;
 *   <li>{@code fast-0}: no sidecar, the upstream itself on {@link #UPSTREAM_IP}:9080, behind Service {@code fast}
 *       (client sidecar to upstream: one hop);
 *   <li>{@code meshed-0}: a sidecar on {@link #SERVER_IP} whose app is the same upstream, behind Service
 *       {@code meshed} (client sidecar to server sidecar to upstream: two hops).
 * </ul>
 *
 * With a second argument {@code mtls} (bench/mtls.sh), Service {@code meshed} is joined by aliases of the same server
 * pod, so the same two sidecars carry both sides of a comparison: {@code meshed} (auto mTLS, as Istio by default),
 * {@code meshed-plain} (DestinationRule {@code tls.mode: DISABLE}: plaintext between the sidecars), and
 * {@code meshed-hs} and {@code meshed-plain-hs}, the same with {@code maxRequestsPerConnection: 1}, so that every
 * request opens a new connection between the sidecars (with mTLS: a full handshake).
 *
 * <p>Loopback block 127.253/16 is outside the launcher's 127.10-250 blocks, so a mesh running beside does not clash.
 * Prints one line {@code ready xds=PORT upstream=HOST:PORT} and runs until it is killed.
 */
public final class DataPlaneMesh {

    static final String CLIENT_IP = "127.253.0.1";
    static final String SERVER_IP = "127.253.0.3";
    static final String UPSTREAM_IP = "127.253.1.3";
    static final int PORT = 9080;

    private DataPlaneMesh() {}

    /** The aliases of {@code meshed} bench/mtls.sh compares, and their DestinationRules. */
    private static void mtlsAliases(ControlPlane cp, ServicePort http) {
        StringBuilder rules = new StringBuilder();
        for (String name : List.of("meshed-plain", "meshed-hs", "meshed-plain-hs")) {
            cp.registry().putService(new MeshService(name, "default", List.of(http), Map.of("app", "meshed")));
            String tls = name.contains("plain") ? "    tls: {mode: DISABLE}\n" : "";
            String pool = name.endsWith("-hs") ? "    connectionPool: {http: {maxRequestsPerConnection: 1}}\n" : "";
            rules.append("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ")
                    .append(name)
                    .append("}\nspec:\n  host: ")
                    .append(name)
                    .append("\n  trafficPolicy:\n")
                    .append(tls)
                    .append(pool)
                    .append("---\n");
        }
        var result = cp.config().apply("mtls-bench.yaml", rules.toString());
        if (!result.problems().isEmpty()) {
            throw new IllegalStateException("mtls-bench.yaml: " + result.problems());
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int bodyBytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        FastUpstream upstream = FastUpstream.start(new InetSocketAddress(UPSTREAM_IP, PORT), bodyBytes, 1);
        ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cp.close();
                            upstream.close();
                            stopped.countDown();
                        },
                        "bench-mesh-stop"));
        ServicePort http = new ServicePort("http", PORT, PORT, "HTTP");
        cp.registry().putService(new MeshService("fast", "default", List.of(http), Map.of("app", "fast")));
        cp.registry().putService(new MeshService("meshed", "default", List.of(http), Map.of("app", "meshed")));
        cp.registry()
                .putPod(new Pod(
                        "fast-0",
                        "default",
                        UPSTREAM_IP,
                        UPSTREAM_IP,
                        Map.of("app", "fast", "version", "v1"),
                        Pod.ProxyKind.NONE,
                        true));
        cp.registry()
                .putPod(new Pod(
                        "meshed-0",
                        "default",
                        SERVER_IP,
                        UPSTREAM_IP,
                        Map.of("app", "meshed", "version", "v1"),
                        Pod.ProxyKind.SIDECAR,
                        true));
        cp.registry()
                .putPod(new Pod(
                        "client-0",
                        "default",
                        CLIENT_IP,
                        "127.253.1.1",
                        Map.of("app", "client", "version", "v1"),
                        Pod.ProxyKind.SIDECAR,
                        true));
        if (args.length > 1 && args[1].equals("mtls")) {
            mtlsAliases(cp, http);
        }
        System.out.printf(
                "ready xds=%d upstream=%s:%d%n",
                cp.xdsPort(), UPSTREAM_IP, upstream.address().getPort());
        System.out.flush();
        stopped.await();
    }
}
