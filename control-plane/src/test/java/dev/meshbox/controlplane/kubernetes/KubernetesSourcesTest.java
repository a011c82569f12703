package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.registry.kubernetes.KubernetesRegistry;
import dev.meshbox.controlplane.testing.BookinfoYaml;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes registry and the Istio CRD watcher against a Kubernetes API server (fabric8's mock server in CRUD
 * mode: real HTTP, real list and watch): what kubectl would create shows up in the registry and the config store.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesSourcesTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private io.fabric8.kubernetes.api.model.Pod reviewsPod(String name, String version, String ip, boolean ready) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .addToLabels("app", "reviews")
                .addToLabels("version", version)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("reviews")
                .withImage("reviews")
                .addNewPort()
                .withContainerPort(9080)
                .endPort()
                .endContainer()
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("meshbox/meshbox")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus()
                .build();
    }

    @Test
    void servicesAndPodsFromTheApiBecomeTheRegistry() throws Exception {
        ServiceRegistry registry = new ServiceRegistry();
        try (KubernetesRegistry k8s = new KubernetesRegistry(client, registry).start()) {
            client.services()
                    .inNamespace("default")
                    .resource(new ServiceBuilder()
                            .withNewMetadata()
                            .withName("reviews")
                            .endMetadata()
                            .withNewSpec()
                            .addToSelector("app", "reviews")
                            .addNewPort()
                            .withName("http")
                            .withPort(9080)
                            .endPort()
                            .endSpec()
                            .build())
                    .create();
            client.pods()
                    .inNamespace("default")
                    .resource(reviewsPod("reviews-v1-abc", "v1", "10.1.0.7", true))
                    .create();
            client.pods()
                    .inNamespace("default")
                    .resource(reviewsPod("reviews-v2-def", "v2", "10.1.0.8", false))
                    .create();

            await(
                    "the service and both pods",
                    () -> registry.snapshot().services().containsKey("default/reviews")
                            && registry.snapshot().pods().size() == 2);
            var snapshot = registry.snapshot();
            var reviews = snapshot.services().get("default/reviews");
            assertThat(reviews.ports())
                    .singleElement()
                    .satisfies(p -> assertThat(p.port()).isEqualTo(9080));
            Pod v1 = snapshot.pods().get("default/reviews-v1-abc");
            assertThat(v1.ip()).isEqualTo("10.1.0.7");
            assertThat(v1.role()).isEqualTo(Pod.ProxyKind.SIDECAR);
            assertThat(v1.labels()).containsEntry("version", "v1");
            assertThat(snapshot.endpoints(reviews))
                    .as("only the Ready pod is an endpoint")
                    .extracting(Pod::name)
                    .containsExactly("reviews-v1-abc");

            client.pods().inNamespace("default").withName("reviews-v1-abc").delete();
            await("the deleted pod to leave", () -> !registry.snapshot().pods().containsKey("default/reviews-v1-abc"));
        }
    }

    /** The pod Istio deploys for a Gateway API Gateway is a gateway, like the ingress gateway. */
    @Test
    void aPodDeployedForAGatewayApiGatewayIsAGateway() throws Exception {
        ServiceRegistry registry = new ServiceRegistry();
        try (KubernetesRegistry k8s = new KubernetesRegistry(client, registry).start()) {
            io.fabric8.kubernetes.api.model.Pod pod = reviewsPod("bookinfo-gateway-istio-abc", "v1", "10.1.0.9", true);
            pod.getMetadata().setLabels(java.util.Map.of("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway"));
            pod.getSpec()
                    .setContainers(
                            java.util.List.of(pod.getSpec().getContainers().get(1)));
            client.pods().inNamespace("default").resource(pod).create();

            await(
                    "the gateway pod",
                    () -> registry.snapshot().pods().containsKey("default/bookinfo-gateway-istio-abc"));
            assertThat(registry.snapshot()
                            .pods()
                            .get("default/bookinfo-gateway-istio-abc")
                            .role())
                    .isEqualTo(Pod.ProxyKind.GATEWAY);
        }
    }

    /** A pod of Istio's gateway chart (an egress gateway, a second ingress) is a gateway whatever its labels. */
    @Test
    void aPodOfIstiosGatewayChartIsAGateway() throws Exception {
        ServiceRegistry registry = new ServiceRegistry();
        try (KubernetesRegistry k8s = new KubernetesRegistry(client, registry).start()) {
            io.fabric8.kubernetes.api.model.Pod pod = reviewsPod("istio-egressgateway-abc", "v1", "10.1.0.10", true);
            pod.getMetadata().setNamespace("istio-system");
            pod.getMetadata().setLabels(java.util.Map.of("app", "istio-egressgateway", "istio", "egressgateway"));
            pod.getMetadata().setAnnotations(java.util.Map.of("inject.istio.io/templates", "gateway"));
            pod.getSpec()
                    .setContainers(
                            java.util.List.of(pod.getSpec().getContainers().get(1)));
            client.pods().inNamespace("istio-system").resource(pod).create();

            await(
                    "the gateway pod",
                    () -> registry.snapshot().pods().containsKey("istio-system/istio-egressgateway-abc"));
            assertThat(registry.snapshot()
                            .pods()
                            .get("istio-system/istio-egressgateway-abc")
                            .role())
                    .isEqualTo(Pod.ProxyKind.GATEWAY);
        }
    }

    @Test
    void kubectlApplyOfAVirtualServiceReachesTheStoreAndDeleteRemovesIt() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            // The same files a user gives kubectl: every subset, then reviews to v3.
            String yaml = BookinfoYaml.REVIEWS_V3.text();
            String subsets = BookinfoYaml.DESTINATION_RULE_ALL.text();
            client.load(new ByteArrayInputStream(subsets.getBytes(StandardCharsets.UTF_8)))
                    .inNamespace("default")
                    .create();
            await(
                    "the DestinationRule",
                    () -> store.snapshot()
                            .resources()
                            .containsKey(new ResourceKey("DestinationRule", "default", "reviews")));
            client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
                    .inNamespace("default")
                    .create();
            ResourceKey vs = new ResourceKey("VirtualService", "default", "reviews");
            await("the VirtualService", () -> store.snapshot().resources().containsKey(vs));
            assertThat(store.snapshot().resources().get(vs).meta().source())
                    .isEqualTo("kubernetes: VirtualService default/reviews");

            client.genericKubernetesResources(IstioCrds.KINDS.get(0).context())
                    .inNamespace("default")
                    .withName("reviews")
                    .delete();
            await(
                    "the VirtualService to be removed",
                    () -> !store.snapshot().resources().containsKey(vs));
        }
    }

    @Test
    void aVirtualServiceSeenBeforeTheDestinationRuleItNamesIsTakenInWhenTheRuleArrives() throws Exception {
        // Informers of different kinds deliver in no set order: here the VirtualService is created first outright.
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            String split = BookinfoYaml.REVIEWS_90_10.text();
            String rules = BookinfoYaml.DESTINATION_RULE_ALL.text();
            client.load(new ByteArrayInputStream(split.getBytes(StandardCharsets.UTF_8)))
                    .inNamespace("default")
                    .create();
            await("the rejection", () -> watcher.problems().containsKey("kubernetes: VirtualService default/reviews"));
            ResourceKey vs = new ResourceKey("VirtualService", "default", "reviews");
            assertThat(store.snapshot().resources()).doesNotContainKey(vs);

            client.load(new ByteArrayInputStream(rules.getBytes(StandardCharsets.UTF_8)))
                    .inNamespace("default")
                    .create();
            await(
                    "the VirtualService, once its subsets exist",
                    () -> store.snapshot().resources().containsKey(vs));
            assertThat(watcher.problems()).doesNotContainKey("kubernetes: VirtualService default/reviews");
        }
    }

    @Test
    void aRejectedResourceKeepsTheLastGoodConfigAndSaysWhy() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            GenericKubernetesResource bad =
                    client.getKubernetesSerialization().unmarshal("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: ratings, namespace: default}
                    spec:
                      hosts: [ratings]
                      http:
                      - route:
                        - destination: {host: ratings}
                          weight: -10
                    """, GenericKubernetesResource.class);
            client.genericKubernetesResources(IstioCrds.KINDS.get(0).context())
                    .inNamespace("default")
                    .resource(bad)
                    .create();
            await("the rejection", () -> watcher.problems().containsKey("kubernetes: VirtualService default/ratings"));
            assertThat(watcher.problems().get("kubernetes: VirtualService default/ratings"))
                    .anySatisfy(p -> assertThat(p).contains("weight").contains("-10"));
            assertThat(store.snapshot().resources())
                    .doesNotContainKey(new ResourceKey("VirtualService", "default", "ratings"));
        }
    }

    @Test
    void withoutIstiosCrdsTheWatcherNamesWhatIsMissing() {
        assertThatThrownBy(() -> new IstioConfigWatcher(client, new ConfigStore()).start())
                .hasMessageContaining("virtualservices.networking.istio.io")
                .hasMessageContaining("lacks Istio's CustomResourceDefinitions");
    }
}
