package dev.meshbox.bench;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The control plane of the control-plane benchmark, in a JVM of its own so that its memory is measured alone. It
 * registers {@code --services} services of {@code --pods-per-service} sidecar pods each (half v1, half v2), prints
 * {@code ready xds=PORT registerMs=MS}, then answers commands on standard input, one line each:
 * {@code heap} (heap in use after a full GC, and RSS), {@code apply N} (the N-th VirtualService change: apply,
 * then wait until every proxy ACKed it; with the CPU time the control plane used meanwhile), {@code quit}.
 */
public final class ControlPlaneServer {

    private ControlPlaneServer() {}

    /** Pod {@code i}'s name, IP and labels, shared with the ADS clients so their node ids match. */
    static Pod pod(int service, int replica) {
        int i = service * 1000 + replica;
        String version = replica % 2 == 0 ? "v1" : "v2";
        return new Pod(
                serviceName(service) + "-" + version + "-" + replica,
                "default",
                "127.252." + (i / 250) % 256 + "." + (i % 250 + 1),
                "127.251.0.1",
                Map.of("app", serviceName(service), "version", version),
                Pod.ProxyKind.SIDECAR,
                true);
    }

    /**
     * The CPU time this JVM has used (all threads): what a change costs the control plane, which unlike the wall-clock
     * times does not grow with what else runs on the machine.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static String serviceName(int service) {
        return String.format("svc-%03d", service);
    }

    /** A VirtualService for svc-000 whose weights differ with {@code n}, so each change is a new RDS version. */
    static String virtualService(int n) {
        int v2 = 10 + (n % 8) * 10;
        return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc-000, namespace: default}
        spec:
          host: svc-000
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc-000, namespace: default}
        spec:
          hosts: [svc-000]
          http:
          - route:
            - destination: {host: svc-000, subset: v1}
              weight: %d
            - destination: {host: svc-000, subset: v2}
              weight: %d
        """.formatted(100 - v2, v2);
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        int services = Integer.parseInt(a.getOrDefault("--services", "100"));
        int perService = Integer.parseInt(a.getOrDefault("--pods-per-service", "10"));
        try (ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0))) {
            List<MeshService> all = new ArrayList<>();
            List<Pod> pods = new ArrayList<>();
            for (int s = 0; s < services; s++) {
                all.add(new MeshService(
                        serviceName(s), "default", List.of(ServicePort.http(9080)), Map.of("app", serviceName(s))));
                for (int r = 0; r < perService; r++) {
                    pods.add(pod(s, r));
                }
            }
            // As a backend syncing an existing cluster registers it: one change, hence one rebuild.
            long t0 = System.nanoTime();
            cp.registry().putAll(all, pods);
            System.out.printf("ready xds=%d registerMs=%.1f%n", cp.xdsPort(), (System.nanoTime() - t0) / 1e6);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                if (line.equals("heap")) {
                    System.gc();
                    System.gc();
                    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                    System.out.printf(
                            "heap used=%d rssKb=%d%n",
                            heap.getUsed(),
                            new ProcStats(List.of(ProcessHandle.current().pid())).rssKb());
                } else if (line.startsWith("apply ")) {
                    int n = Integer.parseInt(line.substring(6).trim());
                    long cpuStart = processCpuNanos();
                    long start = System.nanoTime();
                    ApplyResult r = cp.config().apply("bench-" + n + ".yaml", virtualService(n));
                    long applied = System.nanoTime();
                    boolean converged = cp.awaitConverged(Duration.ofSeconds(30));
                    long done = System.nanoTime();
                    System.out.printf(
                            "applied ok=%s problems=%d applyMs=%.2f convergedMs=%.2f converged=%s cpuMs=%.1f%n",
                            r.problems().isEmpty(),
                            r.problems().size(),
                            (applied - start) / 1e6,
                            (done - start) / 1e6,
                            converged,
                            (processCpuNanos() - cpuStart) / 1e6);
                } else {
                    System.out.println("error unknown command " + line);
                }
                System.out.flush();
            }
        }
    }
}
