package dev.meshbox.bench;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * bench/protocols.sh's mesh minus its sidecar: the real control plane, an h2c upstream ({@link FastH2Upstream}) and
 * a grpc-java upstream ({@link GrpcBench#server}), in one JVM. Registered in namespace default:
 *
 * <ul>
 *   <li>{@code client-0}: a sidecar on {@link DataPlaneMesh#CLIENT_IP}, the one h2load and {@link GrpcLoad} talk to on
 *       15001;
 *   <li>{@code fast-h2-0}: no sidecar, the h2c upstream on {@link #H2_IP}:{@link #H2_PORT}, behind Service
 *       {@code fast-h2} whose port is named {@code http2} (Istio's protocol selection: HTTP/2 to the upstream);
 *   <li>{@code fast-grpc-0}: no sidecar, the gRPC upstream on {@link #GRPC_IP}:{@link #GRPC_PORT}, behind Service
 *       {@code fast-grpc} whose port is named {@code grpc}.
 * </ul>
 *
 * Prints {@code ready xds=PORT h2=HOST:PORT grpc=HOST:PORT} and runs until it is killed.
 */
public final class ProtocolsMesh {

    static final String H2_IP = "127.253.1.4";
    static final int H2_PORT = 9081;
    static final String GRPC_IP = "127.253.1.5";
    static final int GRPC_PORT = 7070;

    private ProtocolsMesh() {}

    public static void main(String[] args) throws Exception {
        int bodyBytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        FastH2Upstream h2 = FastH2Upstream.start(new InetSocketAddress(H2_IP, H2_PORT), bodyBytes, 1);
        Server grpc = GrpcBench.server(new InetSocketAddress(GRPC_IP, GRPC_PORT), bodyBytes);
        ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cp.close();
                            h2.close();
                            grpc.shutdownNow();
                            stopped.countDown();
                        },
                        "bench-mesh-stop"));
        service(cp, "fast-h2", ServicePort.of("http2", H2_PORT, H2_PORT, null), H2_IP, Pod.ProxyKind.NONE);
        service(cp, "fast-grpc", ServicePort.of("grpc", GRPC_PORT, GRPC_PORT, null), GRPC_IP, Pod.ProxyKind.NONE);
        cp.registry()
                .putPod(new Pod(
                        "client-0",
                        "default",
                        DataPlaneMesh.CLIENT_IP,
                        "127.253.1.1",
                        Map.of("app", "client", "version", "v1"),
                        Pod.ProxyKind.SIDECAR,
                        true));
        System.out.printf("ready xds=%d h2=%s:%d grpc=%s:%d%n", cp.xdsPort(), H2_IP, H2_PORT, GRPC_IP, grpc.getPort());
        System.out.flush();
        stopped.await();
    }

    private static void service(ControlPlane cp, String name, ServicePort port, String ip, Pod.ProxyKind kind) {
        cp.registry().putService(new MeshService(name, "default", List.of(port), Map.of("app", name)));
        cp.registry().putPod(new Pod(name + "-0", "default", ip, ip, Map.of("app", name, "version", "v1"), kind, true));
    }
}
