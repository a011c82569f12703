package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/** What a user hears when the cluster is unreachable or RBAC says no. */
@EnableKubernetesMockClient
class KubernetesFaultsTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void anRbacDenialNamesTheActionAndTheStatus() {
        server.expect()
                .get()
                .withPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/virtualservices.networking.istio.io")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage(
                                        "customresourcedefinitions.apiextensions.k8s.io \"virtualservices.networking.istio.io\" is forbidden: "
                                                + "User \"dev\" cannot get resource")
                                .build())
                .always();
        assertThatThrownBy(() -> IstioCrds.missing(client))
                .hasMessageContaining(
                        "RBAC forbids MeshBox to read CustomResourceDefinition virtualservices.networking.istio.io (403)")
                .hasMessageContaining("User \"dev\" cannot get resource");
    }

    @Test
    void anUnreachableClusterSaysSo() {
        try (KubernetesClient nowhere = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl("https://127.0.0.1:1")
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(1000)
                        .withRequestTimeout(1000)
                        .build())
                .build()) {
            assertThatThrownBy(() -> IstioCrds.missing(nowhere))
                    .hasMessageStartingWith(
                            "cannot reach the Kubernetes API to read CustomResourceDefinition virtualservices.networking.istio.io");
        }
    }
}
