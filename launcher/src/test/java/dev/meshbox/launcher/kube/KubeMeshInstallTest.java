package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Installing a mesh on a cluster, against a Kubernetes API server (fabric8's mock server in CRUD mode; it runs no
 * pods): what is created, and that a failed install, an RBAC denial, a cluster with Istio, or an unreachable cluster
 * leave nothing behind.
 */
@EnableKubernetesMockClient(crud = true)
class KubeMeshInstallTest {

    KubernetesMockServer server;
    KubernetesClient client;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private static final String IMAGE = "registry.example.com/meshbox:1";

    private KubeMesh.Options quick() {
        return new KubeMesh.Options(IMAGE, OptionalLong.empty(), 0, 0, Duration.ofSeconds(2));
    }

    private void assertNothingLeft() {
        assertThat(client.namespaces().list().getItems()).as("namespaces").isEmpty();
        assertThat(client.rbac().clusterRoles().list().getItems())
                .as("cluster roles")
                .isEmpty();
        assertThat(client.rbac().clusterRoleBindings().list().getItems())
                .as("cluster role bindings")
                .isEmpty();
        assertThat(client.admissionRegistration()
                        .v1()
                        .mutatingWebhookConfigurations()
                        .list()
                        .getItems())
                .as("injection webhook")
                .isEmpty();
        assertThat(client.admissionRegistration()
                        .v1()
                        .validatingWebhookConfigurations()
                        .list()
                        .getItems())
                .as("validation webhook")
                .isEmpty();
        assertThat(client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .list()
                        .getItems())
                .as("CRDs")
                .isEmpty();
        assertThat(client.apps().deployments().inAnyNamespace().list().getItems())
                .as("deployments")
                .isEmpty();
        assertThat(client.secrets().inAnyNamespace().list().getItems())
                .as("secrets")
                .isEmpty();
        assertThat(client.services().inAnyNamespace().list().getItems())
                .as("services")
                .isEmpty();
        assertThat(client.serviceAccounts().inAnyNamespace().list().getItems())
                .as("service accounts")
                .isEmpty();
    }

    @Test
    void theMeshConfigIsConfigMapIstioWrittenBeforeIstiodStarts() {
        WebhookTls.Material tls = WebhookTls.forService("istiod", "istio-system");
        var registryOnly = dev.meshbox.controlplane.security.MeshConfigFile.read(
                "mesh.yaml", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}");
        List<HasMetadata> objects =
                KubeMesh.manifests(client, MeshSpec.bookinfo(), quick().withMeshConfig(registryOnly), "abc123", tls);

        List<String> order = objects.stream()
                .map(o -> o.getKind() + " " + o.getMetadata().getName())
                .toList();
        assertThat(order.indexOf("ConfigMap istio")).isBetween(0, order.indexOf("Deployment istiod"));
        io.fabric8.kubernetes.api.model.ConfigMap mesh = objects.stream()
                .filter(io.fabric8.kubernetes.api.model.ConfigMap.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.ConfigMap.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(mesh.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(dev.meshbox.controlplane.security.MeshConfigFile.read(
                        "configmap", mesh.getData().get("mesh")))
                .isEqualTo(registryOnly);
    }

    @Test
    void theControlPlaneIsIstiodWithWebhooksTheApiServerCanTrust() {
        WebhookTls.Material tls = WebhookTls.forService("istiod", "istio-system");
        List<HasMetadata> objects = KubeMesh.manifests(client, MeshSpec.bookinfo(), quick(), "abc123", tls);

        MutatingWebhookConfiguration injector = objects.stream()
                .filter(MutatingWebhookConfiguration.class::isInstance)
                .map(MutatingWebhookConfiguration.class::cast)
                .findFirst()
                .orElseThrow();
        var hook = injector.getWebhooks().get(0);
        assertThat(hook.getNamespaceSelector().getMatchLabels()).containsEntry("istio-injection", "enabled");
        assertThat(hook.getClientConfig().getService().getName()).isEqualTo("istiod");
        assertThat(hook.getClientConfig().getService().getPath()).isEqualTo("/inject");
        assertThat(new String(
                        Base64.getDecoder().decode(hook.getClientConfig().getCaBundle()), StandardCharsets.US_ASCII))
                .isEqualTo(tls.caPem());
        assertThat(hook.getFailurePolicy()).isEqualTo("Fail");

        Deployment istiod = deployment(objects, "istio-system", "istiod");
        assertThat(istiod.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .isEqualTo(IMAGE);
        assertThat(String.join(
                        " ",
                        istiod.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getCommand()))
                .contains("control-plane --registry kubernetes")
                .contains("--inject-image " + IMAGE)
                .contains("--default-config bookinfo-gateway.yaml")
                .contains("--watch-namespace istio-system --watch-namespace default");
        Deployment gateway = deployment(objects, "istio-system", "istio-ingressgateway");
        assertThat(gateway.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("istio", "ingressgateway");
        assertThat(String.join(
                        " ",
                        gateway.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getCommand()))
                .contains("--role gateway")
                .contains("--wildcard all");
        // Bookinfo from the project's manifest, the image replaced, no sidecar in it (the webhook adds it).
        Deployment reviews = deployment(objects, "default", "reviews-v3");
        assertThat(reviews.getSpec().getTemplate().getSpec().getContainers())
                .extracting(c -> c.getName())
                .containsExactly("reviews");
        assertThat(reviews.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .isEqualTo(IMAGE);
        // Its pods carry the mesh id (the mesh finds its own pods in a shared namespace); the selector stays Istio's.
        assertThat(reviews.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(KubeMesh.MESH, "abc123");
        assertThat(reviews.getSpec().getSelector().getMatchLabels()).doesNotContainKey(KubeMesh.MESH);
        assertThat(objects)
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace() == null
                                || List.of("istio-system", "default")
                                        .contains(o.getMetadata().getNamespace()))
                        .isTrue());
    }

    private static Deployment deployment(List<HasMetadata> objects, String ns, String name) {
        return objects.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals(name)
                        && ns.equals(d.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void credentialSecretsAppliedThroughTheMeshGoWithItAndKubectlsStay() {
        // One applied through the mesh (labelled so by its config writer), one a user created with kubectl.
        for (String name : List.of("httpbin-credential", "users-own")) {
            var secret = new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace("default")
                    .endMetadata()
                    .addToStringData("cert", "CERT")
                    .build();
            if (name.equals("httpbin-credential")) {
                secret.getMetadata().setLabels(java.util.Map.of(KubeMesh.MANAGED_BY, "meshbox"));
            }
            client.secrets().inNamespace("default").resource(secret).create();
        }
        assertThatThrownBy(
                () -> KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null));

        assertThat(client.secrets().inNamespace("default").list().getItems())
                .extracting(s -> s.getMetadata().getName())
                .containsExactly("users-own");
    }

    @Test
    void anInstallThatFailsHalfwayDeletesEverythingItCreated() {
        // The mock server runs no pods, so istiod never becomes ready: the install fails after creating its objects.
        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("deployment istio-system/istiod was not ready within 2 s: no ready replica")
                .satisfies(e ->
                        assertThat(e.getSuppressed()).as("clean-up failures").isEmpty());
        assertThat(progress.toString())
                .contains("Istio CRDs      installed")
                .contains("istiod and istio-ingressgateway created");
        assertNothingLeft();
    }

    @Test
    void withTracingZipkinsDeploymentAndServiceAreCreatedWithTheControlPlaneAndDeletedWithTheMesh() throws Exception {
        MeshSpec traced = dev.meshbox.launcher.addons.ZipkinAddon.forCluster(
                new dev.meshbox.launcher.addons.ZipkinAddon(java.nio.file.Path.of("zipkin.jar"), false)
                        .addTo(MeshSpec.bookinfo()),
                dev.meshbox.launcher.addons.ZipkinAddon.CLUSTER_IMAGE);
        int before = server.getRequestCount();

        assertThatThrownBy(() -> KubeMesh.start(client, traced, quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("deployment istio-system/istiod was not ready within 2 s");

        assertThat(progress.toString()).contains("addons          zipkin created in istio-system");
        List<String> calls = new java.util.ArrayList<>();
        for (int i = before; i < server.getRequestCount(); i++) {
            var r = server.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS);
            if (r != null) {
                calls.add(r.getMethod() + " " + r.getPath() + " " + r.getBody().readUtf8());
            }
        }
        // Each created object's deletion is pushed on the clean-up stack as it is created.
        assertThat(calls)
                .anySatisfy(c ->
                        assertThat(c).startsWith("DELETE /apis/apps/v1/namespaces/istio-system/deployments/zipkin"))
                .anySatisfy(c -> assertThat(c).startsWith("DELETE /api/v1/namespaces/istio-system/services/zipkin"));
        Deployment zipkin =
                KubeMesh.manifests(client, traced, quick(), "abc123", WebhookTls.forService("istiod", "istio-system"))
                        .stream()
                        .filter(Deployment.class::isInstance)
                        .map(Deployment.class::cast)
                        .filter(d -> d.getMetadata().getName().equals("zipkin"))
                        .findFirst()
                        .orElseThrow();
        assertThat(zipkin.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(zipkin.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .isEqualTo("openzipkin/zipkin-slim:3.5.1");
        assertThat(zipkin.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("sidecar.istio.io/inject", "false");
        assertNothingLeft();
    }

    @Test
    void aDeletionTheClusterRefusesIsNamedAndEverythingElseIsStillDeleted() {
        server.expect()
                .delete()
                .withPath("/apis/rbac.authorization.k8s.io/v1/clusterroles/meshbox-istiod")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage("clusterroles \"meshbox-istiod\" is forbidden: User \"dev\" cannot delete")
                                .build())
                .always();

        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("deployment istio-system/istiod was not ready within 2 s")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .singleElement()
                        .satisfies(cleanup -> assertThat(cleanup)
                                .hasMessageStartingWith("meshbox-kubernetes-cleanup: 1 of ")
                                .hasMessageContaining("clean-up steps failed: ClusterRole meshbox-istiod: ")
                                .hasMessageContaining("cannot delete")));
        assertThat(client.rbac().clusterRoles().list().getItems())
                .extracting(r -> r.getMetadata().getName())
                .containsExactly("meshbox-istiod");
        assertThat(client.namespaces().list().getItems()).as("namespaces").isEmpty();
        assertThat(client.apps().deployments().inAnyNamespace().list().getItems())
                .as("deployments")
                .isEmpty();
        assertThat(client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .list()
                        .getItems())
                .as("CRDs")
                .isEmpty();
    }

    @Test
    void crdsAndTheNamespaceLabelTheClusterHadBeforeStay() {
        IstioCrds.install(client);
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("default")
                        .addToLabels("team", "books")
                        .endMetadata()
                        .build())
                .create();
        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .isInstanceOf(IllegalStateException.class);
        assertThat(IstioCrds.missing(client)).isEmpty();
        assertThat(client.namespaces().withName("default").get().getMetadata().getLabels())
                .containsEntry("team", "books")
                .doesNotContainKey("istio-injection");
    }

    @Test
    void anRbacDenialNamesEveryMissingPermissionAndCreatesNothing() {
        server.expect()
                .post()
                .withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                .andReply(201, request -> {
                    String body = request.getBody().readUtf8();
                    boolean clusterScopedWrite =
                            body.contains("clusterroles") || body.contains("webhookconfigurations");
                    return new SelfSubjectAccessReviewBuilder()
                            .withNewStatus()
                            .withAllowed(!clusterScopedWrite)
                            .endStatus()
                            .build();
                })
                .always();
        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("RBAC does not let")
                .hasMessageContaining("nothing was created")
                .hasMessageContaining("create clusterroles.rbac.authorization.k8s.io")
                .hasMessageContaining("create mutatingwebhookconfigurations.admissionregistration.k8s.io")
                .satisfies(e ->
                        assertThat(e.getSuppressed()).as("clean-up failures").isEmpty());
        assertNothingLeft();
    }

    @Test
    void anRbacDenialInAWorkloadNamespaceNamesItAndCreatesNothing() {
        server.expect()
                .post()
                .withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                .andReply(
                        201,
                        request -> new SelfSubjectAccessReviewBuilder()
                                .withNewStatus()
                                .withAllowed(!request.getBody().readUtf8().contains("\"namespace\":\"foo\""))
                                .endStatus()
                                .build())
                .always();
        MeshSpec tasks = MeshSpec.of(List.of(
                new dev.meshbox.scenarios.Scenario.Builtin("httpbin", "foo", java.util.Optional.empty(), true)));

        assertThatThrownBy(() -> KubeMesh.start(client, tasks, quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("RBAC does not let")
                .hasMessageContaining("create deployments.apps in foo")
                .hasMessageContaining("create serviceaccounts in foo")
                .hasMessageNotContaining("in default");
        assertNothingLeft();
    }

    @Test
    void aClusterWithIstioItselfIsNotTouched() {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("istio-system")
                        .endMetadata()
                        .build())
                .create();
        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("namespace istio-system that MeshBox did not make");
        assertThat(client.namespaces().list().getItems())
                .extracting(n -> n.getMetadata().getName())
                .containsExactly("istio-system");
        assertThat(IstioCrds.missing(client)).hasSize(IstioCrds.KINDS.size());
    }

    @Test
    void aForbiddenCrdInstallSaysWhichPermissionIsMissing() {
        server.expect()
                .post()
                .withPath("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage("customresourcedefinitions.apiextensions.k8s.io is"
                                        + " forbidden: User \"dev\" cannot create resource")
                                .build())
                .always();
        assertThatThrownBy(() ->
                        KubeMesh.start(client, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                .hasMessageContaining("RBAC forbids MeshBox to create CustomResourceDefinition")
                .hasMessageContaining("User \"dev\" cannot create resource")
                .satisfies(e ->
                        assertThat(e.getSuppressed()).as("clean-up failures").isEmpty());
        assertNothingLeft();
    }

    @Test
    void anUnreachableClusterSaysSoAndCreatesNothing() {
        try (KubernetesClient nowhere = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl("https://127.0.0.1:1")
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(1000)
                        .withRequestTimeout(1000)
                        .build())
                .build()) {
            assertThatThrownBy(() -> KubeMesh.start(
                            nowhere, MeshSpec.bookinfo(), quick(), new PrintStream(progress, true), null))
                    .hasMessageStartingWith("cannot reach the Kubernetes API to read the server version");
        }
    }
}
