package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.addons.ZipkinAddon;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's Zipkin addon on Kubernetes as {@code samples/addons/extras/zipkin.yaml} deploys it: Deployment and Service
 * {@code zipkin} in istio-system, no sidecar, port 9411 named {@code http-query}, written and read back through the
 * API test server.
 */
@EnableKubernetesMockClient(crud = true)
class KubeZipkinManifestTest {

    KubernetesClient client;

    @Test
    void zipkinIsADeploymentAndServiceInIstioSystemWithoutASidecar() {
        MeshSpec spec =
                ZipkinAddon.addToCluster(MeshSpec.of(List.of(new Scenario.Builtin("sleep"))), "meshbox/zipkin:3.5.1");
        for (HasMetadata o : Workloads.objects(client, spec, "meshbox:1", "m1")) {
            client.resource(o).create();
        }

        Deployment d = client.apps()
                .deployments()
                .inNamespace("istio-system")
                .withName("zipkin")
                .get();
        assertThat(d).isNotNull();
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app", "zipkin");
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("sidecar.istio.io/inject", "false");
        var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("meshbox/zipkin:3.5.1");
        assertThat(container.getPorts())
                .extracting(ContainerPort::getContainerPort)
                .containsExactly(9411);

        Service s =
                client.services().inNamespace("istio-system").withName("zipkin").get();
        assertThat(s).isNotNull();
        assertThat(s.getSpec().getSelector()).containsEntry("app", "zipkin");
        assertThat(s.getSpec().getPorts())
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.getName()).isEqualTo("http-query");
                    assertThat(p.getPort()).isEqualTo(9411);
                })
                .extracting(ServicePort::getTargetPort)
                .satisfies(t -> assertThat(t.getIntVal()).isEqualTo(9411));
    }
}
