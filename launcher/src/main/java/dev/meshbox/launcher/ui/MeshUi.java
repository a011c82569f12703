package dev.meshbox.launcher.ui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
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
    private final java.util.Optional<java.net.URI> zipkin;

    /** @param workloads what the mesh was started with ({@code up --workloads}) */
    public MeshUi(MeshControl control, List<Scenario.Workload> workloads) {
        this(control, workloads, java.util.Optional.empty());
    }

    /** @param zipkin the Zipkin the mesh was started with ({@code up --tracing}), which scenario runs read traces from */
    public MeshUi(MeshControl control, List<Scenario.Workload> workloads, java.util.Optional<java.net.URI> zipkin) {
        this.control = control;
        this.workloads = List.copyOf(workloads);
        this.zipkin = zipkin;
    }

    @Override
    public java.util.Optional<java.net.URI> zipkin() {
        return zipkin;
    }

    @Override
    public MeshAccess access() {
        return control;
    }

    /** Through the mesh's writer, as the UI's applies and the CLI's go. */
    @Override
    public MeshAccess.ApplyOutcome delete(List<ResourceKey> keys) {
        return control.delete(keys);
    }

    @Override
    public ControlPlane controlPlane() {
        return control.controlPlane();
    }

    @Override
    public List<Pod> pods() {
        return control.pods();
    }

    @Override
    public String adminGet(Pod pod, String path) {
        return control.adminGet(pod, path);
    }

    @Override
    public String prometheus(Pod pod) {
        var r = control.proxyGet(pod, PROMETHEUS_PORT, "/stats/prometheus");
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.uri() + " of " + pod.name() + " answered " + r.statusCode());
        }
        return r.body();
    }

    @Override
    public List<String> workloads() {
        return workloads.stream().map(Scenario.Workload::displayName).toList();
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
                out.add(w.displayName());
                continue;
            }
            boolean all = needed.stream()
                    .allMatch(spec -> running.stream()
                            .anyMatch(p -> p.namespace().equals(spec.namespace())
                                    && p.labels()
                                            .entrySet()
                                            .containsAll(spec.labels().entrySet())));
            if (!all) {
                out.add(w.displayName());
            }
        }
        return out;
    }
}
