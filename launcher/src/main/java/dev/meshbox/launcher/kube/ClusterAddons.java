package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import java.util.List;

/**
 * Istio's addons in a mesh's spec (Zipkin's pod from {@code samples/addons/extras/zipkin.yaml}): an image's pod in
 * istio-system without a sidecar, and the istio-system Services selecting it. The launcher creates them with the
 * control plane, so their slow start overlaps istiod's, and removes them with the mesh; the rest of the spec is the
 * workloads, created once istiod injects.
 */
final class ClusterAddons {
    private ClusterAddons() {}

    static boolean isAddon(PodSpec p) {
        return p.namespace().equals(KubeMesh.SYSTEM) && !p.sidecar() && p.container() instanceof PodSpec.ImageApp;
    }

    /** The addons' pods and Services alone (no default config). */
    static MeshSpec addons(MeshSpec spec) {
        List<PodSpec> pods = spec.pods().stream().filter(ClusterAddons::isAddon).toList();
        return new MeshSpec(
                spec.services().stream().filter(s -> selectsAny(s, pods)).toList(), pods, List.of());
    }

    /** Everything but the addons. */
    static MeshSpec workloads(MeshSpec spec) {
        List<PodSpec> addons =
                spec.pods().stream().filter(ClusterAddons::isAddon).toList();
        return new MeshSpec(
                spec.services().stream().filter(s -> !selectsAny(s, addons)).toList(),
                spec.pods().stream().filter(p -> !isAddon(p)).toList(),
                spec.defaultConfigNames());
    }

    private static boolean selectsAny(MeshService s, List<PodSpec> pods) {
        return pods.stream().anyMatch(p -> s.namespace().equals(p.namespace()) && s.selects(p.labels()));
    }
}
