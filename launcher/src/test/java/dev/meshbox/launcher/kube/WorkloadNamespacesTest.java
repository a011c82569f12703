package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import dev.meshbox.scenarios.Scenario;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The namespaces of Istio's security tasks on a cluster, against a Kubernetes API server: made, labelled, undone. */
@EnableKubernetesMockClient(crud = true)
class WorkloadNamespacesTest {

    KubernetesClient client;

    private static final MeshSpec TASKS = MeshSpec.of(List.of(
            new Scenario.Builtin("httpbin", "foo", Optional.empty(), true),
            new Scenario.Builtin("sleep", "legacy", Optional.empty(), false)));

    private String injection(String namespace) {
        var labels = client.namespaces().withName(namespace).get().getMetadata().getLabels();
        return labels == null ? null : labels.get("istio-injection");
    }

    @Test
    void missingNamespacesAreCreatedInjectedUnlessAllTheirPodsRunWithoutASidecarAndDeletedOnClose() {
        CleanupStack cleanup = new CleanupStack("test");

        new WorkloadNamespaces(client, "m1", cleanup).prepare(TASKS);

        assertThat(client.namespaces().list().getItems())
                .extracting(n -> n.getMetadata().getName())
                .containsExactlyInAnyOrder("default", "foo", "legacy");
        assertThat(injection("foo")).isEqualTo("enabled");
        assertThat(injection("default")).isEqualTo("enabled");
        assertThat(injection("legacy")).isNull();
        assertThat(client.namespaces().withName("legacy").get().getMetadata().getLabels())
                .containsEntry(KubeMesh.MESH, "m1");

        cleanup.close();

        assertThat(client.namespaces().list().getItems()).isEmpty();
    }

    @Test
    void aNamespaceTheClusterHadKeepsItsLabelsAndOnlyLosesTheInjectionLabelAdded() {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("foo")
                        .addToLabels("team", "web")
                        .endMetadata()
                        .build())
                .create();
        CleanupStack cleanup = new CleanupStack("test");

        new WorkloadNamespaces(client, "m1", cleanup).prepare(TASKS);
        assertThat(injection("foo")).isEqualTo("enabled");
        cleanup.close();

        assertThat(client.namespaces().withName("foo").get().getMetadata().getLabels())
                .containsEntry("team", "web")
                .doesNotContainKey("istio-injection");
    }
}
