package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The workloads of Istio's security tasks as Kubernetes objects: each in its namespace, as its sample's service account,
 * and the pods of {@code legacy} kept from the injection webhook.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadsTest {

    KubernetesClient client;

    private static final MeshSpec TASKS = MeshSpec.of(List.of(
            new Scenario.Builtin("httpbin", "foo", Optional.empty(), true),
            new Scenario.Builtin("sleep", "foo", Optional.empty(), true),
            new Scenario.Builtin("httpbin", "bar", Optional.empty(), true),
            new Scenario.Builtin("httpbin", "legacy", Optional.empty(), false),
            new Scenario.Builtin("sleep", "legacy", Optional.empty(), false)));

    private List<HasMetadata> objects(MeshSpec spec) {
        return Workloads.objects(client, spec, "meshbox:1", "m1");
    }

    private static <T extends HasMetadata> List<T> of(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static Deployment deployment(List<HasMetadata> objects, String ns, String name) {
        return of(objects, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals(name)
                        && d.getMetadata().getNamespace().equals(ns))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + ns + "/" + name));
    }

    @Test
    void servicesDeploymentsAndServiceAccountsGoToTheirNamespaces() {
        List<HasMetadata> objects = objects(TASKS);

        assertThat(of(objects, Service.class))
                .extracting(s ->
                        s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())
                .containsExactly("foo/httpbin", "bar/httpbin", "legacy/httpbin");
        assertThat(of(objects, ServiceAccount.class))
                .extracting(s ->
                        s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())
                .containsExactly("foo/httpbin", "foo/sleep", "bar/httpbin", "legacy/httpbin", "legacy/sleep");
        assertThat(of(objects, Deployment.class))
                .extracting(d ->
                        d.getMetadata().getNamespace() + "/" + d.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "foo/httpbin-v1", "foo/sleep", "bar/httpbin-v1", "legacy/httpbin-v1", "legacy/sleep");
        assertThat(of(objects, Deployment.class))
                .allSatisfy(d -> assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName())
                        .isEqualTo(d.getMetadata().getName().replace("-v1", "")));
    }

    @Test
    void aPodWithoutASidecarIsKeptFromTheWebhookAndListensOnThePodIp() {
        List<HasMetadata> objects = objects(TASKS);

        Deployment legacy = deployment(objects, "legacy", "httpbin-v1");
        assertThat(legacy.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("sidecar.istio.io/inject", "false");
        assertThat(String.join(
                        " ",
                        legacy.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getCommand()))
                .contains("--listen 0.0.0.0:8080");
        Deployment foo = deployment(objects, "foo", "httpbin-v1");
        assertThat(foo.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(String.join(
                        " ",
                        foo.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getCommand()))
                .contains("--listen 127.0.0.1:8080");
    }

    @Test
    void namespacesWithASidecarPodAreInjectedAndLegacyIsNot() {
        assertThat(Workloads.namespaces(TASKS)).containsExactly("foo", "bar", "legacy");
        assertThat(WorkloadNamespaces.of(TASKS)).containsExactly("default", "foo", "bar", "legacy");
        assertThat(Workloads.injected(TASKS, "foo")).isTrue();
        assertThat(Workloads.injected(TASKS, "legacy")).isFalse();
    }

    @Test
    void bookinfoKeepsItsManifestsServiceAccountsOnce() {
        List<HasMetadata> objects = objects(MeshSpec.bookinfo());

        assertThat(of(objects, ServiceAccount.class))
                .extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "bookinfo-details", "bookinfo-ratings", "bookinfo-reviews", "bookinfo-productpage");
        assertThat(deployment(objects, "default", "reviews-v2")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getServiceAccountName())
                .isEqualTo("bookinfo-reviews");
    }
}
