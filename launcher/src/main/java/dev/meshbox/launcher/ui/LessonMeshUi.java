package dev.meshbox.launcher.ui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.start.MultiClusterStart;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.LessonClusters;
import dev.meshbox.webui.UiCluster;
import dev.meshbox.webui.UiMesh;
import java.io.PrintStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The mesh the UI of {@code meshbox up} shows: the one {@code up} started, until a workshop lesson declares clusters
 * ({@code clusters:} and {@code multicluster:}, as a scenario does) that it does not run. Then this brings that
 * multi-cluster mesh up beside it on the local backend (each cluster its own loopback block and ADS port, so
 * {@code up}'s mesh keeps its ports and keeps serving), and the UI's pages show the lesson's mesh. A lesson without
 * clusters, or one the first mesh runs, brings the first mesh back and stops the lesson's. Closing this stops a
 * lesson's mesh; the first mesh is its starter's to close.
 */
public final class LessonMeshUi implements UiMesh, AutoCloseable {

    private final UiMesh first;
    private volatile UiMesh current;
    private MultiClusterMesh started;

    public LessonMeshUi(UiMesh first) {
        this.first = first;
        this.current = first;
    }

    @Override
    public synchronized Optional<String> prepare(Scenario lesson, PrintStream progress) throws InterruptedException {
        if (LessonClusters.mismatch(current, lesson).isEmpty()
                && (!lesson.clusters().isEmpty() || current == first)) {
            return Optional.empty();
        }
        if (LessonClusters.mismatch(first, lesson).isEmpty()) {
            stopLessonMesh();
            return Optional.of("back to the mesh meshbox up started; the lesson's clusters are stopped");
        }
        stopLessonMesh();
        long t0 = System.nanoTime();
        MultiClusterModel model = MultiClusterModel.of(LessonClusters.model(lesson));
        LocalOptions options =
                LocalOptions.isolated(lesson.seed().map(OptionalLong::of).orElse(OptionalLong.empty()));
        MultiClusterMesh mesh =
                MultiClusterMesh.start(MultiClusterStart.specs(lesson.clusters()), model, options, progress);
        Map<String, List<Scenario.Workload>> workloads = new LinkedHashMap<>();
        lesson.clusters().forEach(c -> workloads.put(c.name(), c.workloads()));
        started = mesh;
        current = new MultiClusterUi(mesh, model, workloads);
        return Optional.of(
                String.format("started %s in %.1f s", LessonClusters.describe(lesson), (System.nanoTime() - t0) / 1e9));
    }

    private void stopLessonMesh() {
        current = first;
        if (started != null) {
            MultiClusterMesh m = started;
            started = null;
            m.close();
        }
    }

    /** The mesh the pages show now: the first, or a lesson's. */
    public UiMesh current() {
        return current;
    }

    @Override
    public synchronized void close() {
        stopLessonMesh();
    }

    @Override
    public List<UiCluster> clusters() {
        return current.clusters();
    }

    @Override
    public String multicluster() {
        return current.multicluster();
    }

    @Override
    public MeshAccess access() {
        return current.access();
    }

    @Override
    public MeshAccess.ApplyOutcome delete(List<ResourceKey> keys) {
        return current.delete(keys);
    }

    @Override
    public ControlPlane controlPlane() {
        return current.controlPlane();
    }

    @Override
    public List<Pod> pods() {
        return current.pods();
    }

    @Override
    public String adminGet(Pod pod, String path) {
        return current.adminGet(pod, path);
    }

    @Override
    public String prometheus(Pod pod) {
        return current.prometheus(pod);
    }

    @Override
    public List<String> workloads() {
        return current.workloads();
    }

    @Override
    public List<String> missing(List<Scenario.Workload> wanted) {
        return current.missing(wanted);
    }

    /** The first mesh's Zipkin; a lesson's clusters run without one. */
    @Override
    public Optional<URI> zipkin() {
        return current.zipkin();
    }
}
