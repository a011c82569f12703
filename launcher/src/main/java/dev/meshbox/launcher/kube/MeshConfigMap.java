package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.kubernetes.MeshConfigWatcher;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.MeshConfigYaml;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

/**
 * The mesh config on Kubernetes as Istio keeps it: ConfigMap {@code istio} in {@code istio-system}, its key
 * {@code mesh} holding the MeshConfig YAML ({@code --mesh-config FILE}, a scenario's {@code meshConfig:},
 * {@code @MeshTest(meshConfig=...)}), which the control plane reads and watches. Written for every mesh, as Istio's
 * install does: an empty {@code mesh} is Istio's defaults.
 */
final class MeshConfigMap {

    private MeshConfigMap() {}

    static ConfigMap object(String meshId, MeshConfigFile.Settings settings) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(MeshConfigWatcher.NAME)
                .withNamespace(MeshConfigWatcher.NAMESPACE)
                .addToLabels("app", "istiod")
                .addToLabels(KubeMesh.MANAGED_BY, "meshbox")
                .addToLabels(KubeMesh.MESH, meshId)
                .endMetadata()
                .addToData(MeshConfigWatcher.KEY, yaml(settings))
                .build();
    }

    /** The settings as MeshConfig YAML, only what differs from Istio's defaults ({@code {}} for none). */
    static String yaml(MeshConfigFile.Settings settings) {
        return MeshConfigYaml.write(settings);
    }
}
