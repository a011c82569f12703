package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;

/**
 * The namespaces a mesh's workloads run in, as Istio's guides prepare them ({@code kubectl create ns foo; kubectl label
 * namespace foo istio-injection=enabled}): each created where missing and labelled {@code istio-injection=enabled},
 * except one whose pods all run without a sidecar ({@code legacy}). What it created is deleted, and a label it added
 * removed, by the mesh's {@link CleanupStack}; a namespace the cluster had stays.
 */
final class WorkloadNamespaces {

    private final KubernetesClient client;
    private final String meshId;
    private final CleanupStack cleanup;

    WorkloadNamespaces(KubernetesClient client, String meshId, CleanupStack cleanup) {
        this.client = client;
        this.meshId = meshId;
        this.cleanup = cleanup;
    }

    /** The namespaces a mesh's workloads run in, {@code default} always among them (Bookinfo's, and the config's). */
    static java.util.List<String> of(MeshSpec spec) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        out.add(KubeMesh.WORKLOADS);
        out.addAll(Workloads.namespaces(spec));
        return java.util.List.copyOf(out);
    }

    void prepare(MeshSpec spec) {
        for (String ns : of(spec)) {
            prepare(ns, Workloads.injected(spec, ns));
        }
    }

    private void prepare(String namespace, boolean injected) {
        try {
            Namespace ns = client.namespaces().withName(namespace).get();
            if (ns == null) {
                NamespaceBuilder created = new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .addToLabels(KubeMesh.MANAGED_BY, "meshbox")
                        .addToLabels(KubeMesh.MESH, meshId)
                        .endMetadata();
                if (injected) {
                    created.editMetadata()
                            .addToLabels(KubeMesh.INJECTION, "enabled")
                            .endMetadata();
                }
                Namespace done = client.resource(created.build()).create();
                cleanup.push(
                        "Namespace " + namespace,
                        () -> KubeMesh.ignoreNotFound(
                                () -> client.resource(done).withGracePeriod(0).delete()));
                return;
            }
            Map<String, String> labels = ns.getMetadata().getLabels() == null
                    ? Map.of()
                    : ns.getMetadata().getLabels();
            if (injected && !"enabled".equals(labels.get(KubeMesh.INJECTION))) {
                setInjectionLabel(namespace, true);
                cleanup.push(
                        "label " + KubeMesh.INJECTION + " on namespace " + namespace,
                        () -> KubeMesh.ignoreNotFound(() -> setInjectionLabel(namespace, false)));
            }
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(
                    IstioCrds.describe(
                            e,
                            "prepare namespace " + namespace
                                    + (injected ? " (" + KubeMesh.INJECTION + "=enabled)" : "")),
                    e);
        }
    }

    private void setInjectionLabel(String namespace, boolean enabled) {
        client.namespaces().withName(namespace).edit(n -> {
            NamespaceBuilder edited = new NamespaceBuilder(n);
            return enabled
                    ? edited.editMetadata()
                            .addToLabels(KubeMesh.INJECTION, "enabled")
                            .endMetadata()
                            .build()
                    : edited.editMetadata()
                            .removeFromLabels(KubeMesh.INJECTION)
                            .endMetadata()
                            .build();
        });
    }
}
