package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.GatewayWorkload;
import dev.meshbox.scenarios.Scenario;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A user's gateway workloads on Kubernetes as Istio's gateway chart deploys them: a Deployment running the gateway
 * proxy with the user's labels, its Service with the chart's port names and targets, its service account.
 */
@EnableKubernetesMockClient(crud = true)
class KubeGatewayWorkloadsTest {

    KubernetesClient client;

    private static final MeshSpec SPEC = MeshSpec.of(List.of(
            new Scenario.Builtin("httpbin", "default", Optional.empty(), true),
            GatewayWorkload.named("my-ingress"),
            new GatewayWorkload(
                    "istio-egressgateway",
                    "istio-system",
                    GatewayWorkload.defaultLabels("istio-egressgateway"),
                    List.of(80, 443, 31400),
                    "istio-egressgateway-service-account")));

    private List<HasMetadata> objects() {
        return Workloads.objects(client, SPEC, "meshbox:1", "m1");
    }

    private static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> kind, String name) {
        return objects.stream()
                .filter(kind::isInstance)
                .map(kind::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name));
    }

    @Test
    void aGatewayIsADeploymentOfTheGatewayProxyWithTheUsersLabels() {
        Deployment d = named(objects(), Deployment.class, "my-ingress");

        assertThat(d.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(d.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("app", "my-ingress", "istio", "my-ingress"));
        var template = d.getSpec().getTemplate();
        assertThat(template.getMetadata().getLabels())
                .containsEntry("app", "my-ingress")
                .containsEntry("istio", "my-ingress")
                .containsEntry("sidecar.istio.io/inject", "false")
                .containsEntry(KubeMesh.MESH, "m1");
        assertThat(template.getMetadata().getAnnotations()).containsEntry("inject.istio.io/templates", "gateway");
        assertThat(template.getSpec().getServiceAccountName()).isEqualTo("my-ingress-service-account");
        var proxy = template.getSpec().getContainers().get(0);
        assertThat(template.getSpec().getContainers()).hasSize(1);
        assertThat(proxy.getName()).isEqualTo("istio-proxy");
        assertThat(proxy.getImage()).isEqualTo("meshbox:1");
        assertThat(String.join(" ", proxy.getCommand()))
                .contains("dev.meshbox.proxy.Main --role gateway")
                .contains("--namespace istio-system")
                .contains("--xds istiod.istio-system.svc:15010")
                .contains("--label istio=my-ingress");
        assertThat(proxy.getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(8080, 8443);
        assertThat(proxy.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
    }

    @Test
    void itsServiceMapsThePortsAsIstiosGatewayChart() {
        List<HasMetadata> objects = objects();
        Service egress = named(objects, Service.class, "istio-egressgateway");

        assertThat(egress.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(egress.getSpec().getType())
                .as("as the mesh's ingress Service: ClusterIP")
                .isNull();
        assertThat(egress.getSpec().getSelector())
                .isEqualTo(Map.of("app", "istio-egressgateway", "istio", "egressgateway"));
        assertThat(egress.getSpec().getPorts())
                .extracting(p -> p.getName() + " " + p.getPort() + "->"
                        + p.getTargetPort().getIntVal())
                .containsExactly("http2 80->8080", "https 443->8443", "http-31400 31400->31400");
        assertThat(named(objects, Deployment.class, "istio-egressgateway")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getPorts())
                .extracting(ContainerPort::getContainerPort)
                .containsExactly(8080, 8443, 31400);
        assertThat(named(objects, ServiceAccount.class, "istio-egressgateway-service-account")
                        .getMetadata()
                        .getNamespace())
                .isEqualTo("istio-system");
    }

    @Test
    void gatewaysAloneDoNotTurnOnInjectionInTheirNamespace() {
        assertThat(Workloads.injected(SPEC, "istio-system")).isFalse();
        assertThat(Workloads.injected(SPEC, "default")).isTrue();
    }
}
