package dev.meshbox.launcher.ui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.UiMesh;
import java.util.ArrayList;
import java.util.List;

/**
 * The web UI's view of a running mesh, for any backend that has a {@link MeshControl} beside its control plane:
 * config and pods through it, and each proxy's Prometheus port read at its pod IP like its admin port.
 */
public final class MeshUi implements UiMesh {

    public static final int PROMETHEUS_PORT = 15090;

    private final MeshControl control;
    private final List<Scenario.Workload> workloads;

    /** @param workloads what the mesh was started with ({@code up --workloads}) */
    public MeshUi(MeshControl control, List<Scenario.Workload> workloads) {
        this.control = control;
        this.workloads = List.copyOf(workloads);
    }

    @Override
    public MeshAccess access() {
        return control;
    }

    @Override
    public ControlPlane controlPlane() {
        return control.controlPlane();
    }

    @Override
    public List<Pod> pods() {
        return control.pods();
    }

    /** Like {@link MeshControl#adminGet}, on a connection of its own that the UI closes (see {@link ProxyHttp}). */
    @Override
    public String adminGet(Pod pod, String path) {
        return read(pod, MeshControl.ADMIN_PORT, path, false);
    }

    @Override
    public String prometheus(Pod pod) {
        return read(pod, PROMETHEUS_PORT, "/stats/prometheus", true);
    }

    private static String read(Pod pod, int port, String path, boolean only200) {
        String where = "http://" + pod.ip() + ":" + port + path;
        try {
            ProxyHttp.Response r = ProxyHttp.get(pod.ip(), port, path);
            if (only200 && r.status() != 200) {
                throw new IllegalStateException(where + " of " + pod.name() + " answered " + r.status());
            }
            return r.body();
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + where + " of " + pod.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> workloads() {
        return workloads.stream().map(w -> w instanceof Scenario.Builtin b ? b.name() : w.toString()).toList();
    }

    /** A wanted workload is here when every pod it would start runs, with its labels, in its namespace. */
    @Override
    public List<String> missing(List<Scenario.Workload> wanted) {
        List<Pod> running = pods();
        List<String> out = new ArrayList<>();
        for (Scenario.Workload w : wanted) {
            List<PodSpec> needed;
            try {
                needed = MeshSpec.of(List.of(w)).pods();
            } catch (RuntimeException e) {
                out.add(name(w));
                continue;
            }
            boolean all = needed.stream().allMatch(spec -> running.stream().anyMatch(p -> p.namespace().equals(spec.namespace())
                    && p.labels().entrySet().containsAll(spec.labels().entrySet())));
            if (!all) {
                out.add(name(w));
            }
        }
        return out;
    }

    private static String name(Scenario.Workload w) {
        if (w instanceof Scenario.Builtin b) {
            return b.name();
        }
        if (w instanceof Scenario.Echo e) {
            return "echo " + e.service();
        }
        if (w instanceof Scenario.JavaApp j) {
            return "java " + j.service();
        }
        return "kubernetes " + ((Scenario.Kubernetes) w).source();
    }
}
