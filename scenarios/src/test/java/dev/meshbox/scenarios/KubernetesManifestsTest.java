package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KubernetesManifestsTest {

    private static final String CHECKOUT = """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: checkout
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: checkout
              labels: {app: checkout}
            spec:
              ports:
              - name: http
                port: 8080
                targetPort: 9000
              selector:
                app: checkout
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: checkout-v2
            spec:
              replicas: 2
              selector:
                matchLabels: {app: checkout, version: v2}
              template:
                metadata:
                  labels: {app: checkout, version: v2}
                  annotations:
                    meshbox.dev/latency: 150ms
                    meshbox.dev/error-rate: "0.25"
                spec:
                  containers:
                  - name: checkout
                    image: example.com/checkout:2.0
                    ports:
                    - containerPort: 9000
            """;

    @Test
    void deploymentsBecomeStandInsWithTheirLabelsPortsAndAnnotatedBehaviour() {
        Scenario.Kubernetes k = KubernetesManifests.parse("checkout.yaml", CHECKOUT);
        assertThat(k.services()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("checkout");
            assertThat(s.ports()).containsExactly(new Scenario.KubePort("http", 8080, 9000));
            assertThat(s.selector()).containsEntry("app", "checkout");
        });
        assertThat(k.deployments()).singleElement().satisfies(d -> {
            assertThat(d.replicas()).isEqualTo(2);
            assertThat(d.podLabels()).containsEntry("version", "v2");
            assertThat(d.containerPort()).isEqualTo(9000);
            assertThat(d.behaviour().latency()).isEqualTo(Duration.ofMillis(150));
            assertThat(d.behaviour().errorRate()).isEqualTo(0.25);
        });
    }

    @Test
    void aDeploymentRunsAsItsServiceAccountWithASidecarUnlessInjectionIsOff() {
        String text = CHECKOUT.replace(
                "    spec:\n      containers:", "    spec:\n      serviceAccountName: checkout\n      containers:");
        assertThat(KubernetesManifests.parse("checkout.yaml", text).deployments())
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.serviceAccount()).isEqualTo("checkout");
                    assertThat(d.sidecar()).isTrue();
                });
        assertThat(KubernetesManifests.parse("checkout.yaml", CHECKOUT)
                        .deployments()
                        .get(0)
                        .serviceAccount())
                .isEqualTo("default");

        String legacy = CHECKOUT.replace(
                "meshbox.dev/latency: 150ms", "meshbox.dev/latency: 150ms\n        sidecar.istio.io/inject: \"false\"");
        assertThat(KubernetesManifests.parse("checkout.yaml", legacy)
                        .deployments()
                        .get(0)
                        .sidecar())
                .isFalse();
        assertThatThrownBy(() -> KubernetesManifests.parse(
                        "checkout.yaml", legacy.replace("inject: \"false\"", "inject: \"nope\"")))
                .hasMessageContaining("Deployment default/checkout-v2: sidecar.istio.io/inject must be \"true\" or"
                        + " \"false\", got \"nope\"");
    }

    @Test
    void theProxyConfigAnnotationIsKeptAsJsonForTheSidecarAndCheckedAsIstiosWebhookWould() {
        String annotated = CHECKOUT.replace(
                "meshbox.dev/latency: 150ms",
                "meshbox.dev/latency: 150ms\n        proxy.istio.io/config: |\n          tracing:\n            sampling: 10");
        assertThat(KubernetesManifests.parse("checkout.yaml", annotated)
                        .deployments()
                        .get(0)
                        .proxyConfig())
                .isEqualTo("{\"tracing\":{\"sampling\":10}}");
        assertThat(KubernetesManifests.parse("checkout.yaml", CHECKOUT)
                        .deployments()
                        .get(0)
                        .proxyConfig())
                .isEmpty();
        assertThatThrownBy(() ->
                        KubernetesManifests.parse("checkout.yaml", annotated.replace("sampling: 10", "sampling: 101")))
                .hasMessageContaining("spec.template.metadata.annotations[proxy.istio.io/config]: Deployment"
                        + " default/checkout-v2: tracing.sampling must be a percentage between 0 and 100, got 101");
    }

    @Test
    void problemsNameTheFileLineResourceAndField() {
        String bad = CHECKOUT.replace("meshbox.dev/error-rate: \"0.25\"", "meshbox.dev/error-rate: \"lots\"")
                .replace("replicas: 2", "replicas: 50");
        assertThatThrownBy(() -> KubernetesManifests.parse("checkout.yaml", bad))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(
                        "checkout.yaml:24: spec.replicas: Deployment default/checkout-v2: must be between 0 and 20, got 50")
                .hasMessageContaining(
                        "checkout.yaml:30: spec.template.metadata.annotations: Deployment default/checkout-v2: meshbox.dev/error-rate must be a fraction between 0 and 1, got \"lots\"");
    }

    @Test
    void aServiceSelectingNoDeploymentIsReported() {
        String orphan = CHECKOUT.replace("app: checkout\n---", "app: payments\n---");
        assertThatThrownBy(() -> KubernetesManifests.parse("checkout.yaml", orphan))
                .hasMessageContaining(
                        "Service default/checkout: spec.selector {app=payments} selects no Deployment's pod labels");
    }

    @Test
    void istioConfigInAWorkloadFileIsPointedElsewhere() {
        String mixed = CHECKOUT + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: checkout}
                spec: {hosts: [checkout]}
                """;
        assertThatThrownBy(() -> KubernetesManifests.parse("checkout.yaml", mixed))
                .hasMessageContaining(
                        "VirtualService default/checkout: a workload file holds Deployments and Services; put Istio config under config:");
    }
}
