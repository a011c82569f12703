package dev.meshbox.launcher.ui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.UiCluster;
import dev.meshbox.webui.UiMesh;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The web UI's view of a local multi-cluster mesh ({@code up --clusters N}, or a lesson's {@code clusters:}): every
 * cluster's pods in one topology, labelled with their cluster and network; config applied to every cluster, as Istio's
 * multi-primary docs apply it to each cluster's API server; and each cluster as a {@link MeshUi} of its own for its
 * control plane's config and xDS state.
 */
public final class MultiClusterUi implements UiMesh {

    private final MultiClusterMesh mesh;
    private final MultiClusterModel model;
    private final List<UiCluster> clusters;

    /** @param workloads what each cluster runs, by cluster name (those not named: none) */
    public MultiClusterUi(
            MultiClusterMesh mesh, MultiClusterModel model, Map<String, List<Scenario.Workload>> workloads) {
        this.mesh = mesh;
        this.model = model;
        List<UiCluster> out = new ArrayList<>();
        mesh.clusters().forEach((name, cluster) -> {
            UiMesh view = new MeshUi(cluster.control(), workloads.getOrDefault(name, List.of()));
            out.add(new UiCluster(
                    name,
                    cluster.controlPlane().network(),
                    mesh.globalNames()
                            .<UiMesh>map(g -> new GlobalNamesCluster(view, g))
                            .orElse(view)));
        });
        this.clusters = List.copyOf(out);
    }

    /** The started mesh, which the caller closes. */
    public MultiClusterMesh mesh() {
        return mesh;
    }

    @Override
    public List<UiCluster> clusters() {
        return clusters;
    }

    @Override
    public String multicluster() {
        return model.word();
    }

    @Override
    public MeshAccess access() {
        return mesh;
    }

    /** From every cluster, as applies go to every cluster. */
    @Override
    public MeshAccess.ApplyOutcome delete(List<ResourceKey> keys) {
        List<String> changes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (UiCluster c : clusters) {
            MeshAccess.ApplyOutcome o = c.mesh().delete(keys);
            o.changes().forEach(x -> changes.add(c.name() + ": " + x));
            o.problems().forEach(x -> problems.add(c.name() + ": " + x));
        }
        return new MeshAccess.ApplyOutcome(changes, problems);
    }

    /** The first cluster's: its config is every cluster's, as applies go to all. */
    @Override
    public ControlPlane controlPlane() {
        return clusters.get(0).mesh().controlPlane();
    }

    @Override
    public List<Pod> pods() {
        List<Pod> out = new ArrayList<>();
        clusters.forEach(c -> out.addAll(c.mesh().pods()));
        return out;
    }

    /** The cluster that runs the pod: pod names are unique across clusters. */
    private UiMesh clusterOf(Pod pod) {
        return clusters.stream()
                .map(UiCluster::mesh)
                .filter(m -> m.pods().stream().anyMatch(p -> p.name().equals(pod.name())))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("pod " + pod.name() + " runs in no cluster of this mesh"));
    }

    @Override
    public String adminGet(Pod pod, String path) {
        return clusterOf(pod).adminGet(pod, path);
    }

    @Override
    public String prometheus(Pod pod) {
        return clusterOf(pod).prometheus(pod);
    }

    /** {@code sleep.sample@cluster1}, ... */
    @Override
    public List<String> workloads() {
        List<String> out = new ArrayList<>();
        clusters.forEach(c -> c.mesh().workloads().forEach(w -> out.add(w + "@" + c.name())));
        return out;
    }

    /** A workload is here when one cluster runs all of it. */
    @Override
    public List<String> missing(List<Scenario.Workload> wanted) {
        List<String> out = new ArrayList<>();
        for (Scenario.Workload w : wanted) {
            if (clusters.stream().allMatch(c -> !c.mesh().missing(List.of(w)).isEmpty())) {
                out.add(w.displayName());
            }
        }
        return out;
    }

    /** The cluster's local mesh, for callers that print its ports. */
    public LocalMesh cluster(String name) {
        return mesh.cluster(name);
    }
}
