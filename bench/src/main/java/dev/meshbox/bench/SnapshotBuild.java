package dev.meshbox.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.translate.MeshView;
import dev.meshbox.controlplane.translate.Translator;
import dev.meshbox.controlplane.translate.XdsResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Snapshot build time for a mesh of {@code --services} services, two sidecar pods each (v1, v2): one sidecar's
 * translation (what it receives: a cluster, an endpoint assignment and a virtual host per service), and a whole
 * rebuild after a VirtualService change (every proxy translated and its snapshot set in the xDS cache; no proxy
 * connected, so no push). Each measured several times after a warm-up; prints JSON and writes it to {@code --out}.
 */
public final class SnapshotBuild {

    private SnapshotBuild() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        int services = Integer.parseInt(a.getOrDefault("--services", "1000"));
        Map<String, Object> out = new LinkedHashMap<>();
        try (ControlPlane cp = new ControlPlane()) {
            List<MeshService> all = new ArrayList<>();
            List<Pod> pods = new ArrayList<>();
            for (int s = 0; s < services; s++) {
                all.add(new MeshService(
                        ControlPlaneServer.serviceName(s),
                        "default",
                        List.of(ServicePort.http(9080)),
                        Map.of("app", ControlPlaneServer.serviceName(s))));
                pods.add(ControlPlaneServer.pod(s, 0));
                pods.add(ControlPlaneServer.pod(s, 1));
            }
            long t0 = System.nanoTime();
            cp.registry().putAll(all, pods);
            out.put("services", services);
            out.put("proxies", pods.size());
            out.put("registerAndFirstRebuildMs", (System.nanoTime() - t0) / 1e6);

            MeshView view = new MeshView(cp.config().snapshot(), cp.registry().snapshot());
            XdsResources one = null;
            double[] translate = new double[25];
            for (int i = -10; i < translate.length; i++) {
                long t = System.nanoTime();
                one = Translator.translate(view, pods.get(0));
                if (i >= 0) {
                    translate[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            out.put(
                    "oneSidecar",
                    Map.of(
                            "clusters",
                            one.clusters().size(),
                            "endpoints",
                            one.endpoints().size(),
                            "listeners",
                            one.listeners().size(),
                            "routeConfigurations",
                            one.routes().size(),
                            "serializedBytes",
                            one.clusters().stream()
                                            .mapToInt(c -> c.getSerializedSize())
                                            .sum()
                                    + one.endpoints().stream()
                                            .mapToInt(c -> c.getSerializedSize())
                                            .sum()
                                    + one.routes().stream()
                                            .mapToInt(c -> c.getSerializedSize())
                                            .sum()));
            out.put("translateOneSidecarMs", stats(translate));

            double[] rebuild = new double[8];
            for (int i = -2; i < rebuild.length; i++) {
                long t = System.nanoTime();
                if (!cp.config()
                        .apply("vs.yaml", ControlPlaneServer.virtualService(i + 3))
                        .ok()) {
                    throw new IllegalStateException("the VirtualService does not apply");
                }
                if (i >= 0) {
                    rebuild[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            out.put("rebuildMs", stats(rebuild));
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (a.containsKey("--out")) {
            json.writeValue(Path.of(a.get("--out")).toFile(), out);
        }
        System.out.println(json.writeValueAsString(out));
    }

    private static Map<String, Object> stats(double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", sorted.length);
        m.put("min", sorted[0]);
        m.put("p50", sorted[sorted.length / 2]);
        m.put("max", sorted[sorted.length - 1]);
        return m;
    }
}
