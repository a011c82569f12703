package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.Scenario;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What Istio's security tasks need of a mesh's pods: their namespaces, service accounts and sidecars. */
class MeshSpecSecurityTest {

    @Test
    void bookinfoAppsRunAsTheServiceAccountsBookinfoYamlGivesThem() {
        assertThat(MeshSpec.bookinfo().pods())
                .extracting(p -> p.appLabel() + "=" + p.serviceAccount())
                .contains(
                        "productpage=bookinfo-productpage",
                        "details=bookinfo-details",
                        "reviews=bookinfo-reviews",
                        "ratings=bookinfo-ratings");
    }

    @Test
    void theSameWorkloadInTwoNamespacesIsTwoPodsWithTheirOwnServices() {
        MeshSpec spec = MeshSpec.of(List.of(
                new Scenario.Builtin("httpbin", "foo", Optional.empty(), true),
                new Scenario.Builtin("httpbin", "bar", Optional.empty(), true),
                new Scenario.Builtin("sleep", "foo", Optional.empty(), true)));

        assertThat(spec.services())
                .extracting(s -> s.name() + "." + s.namespace())
                .containsExactly("httpbin.foo", "httpbin.bar");
        assertThat(spec.pods()).extracting(PodSpec::namespace).containsExactly("foo", "bar", "foo");
        assertThat(spec.pods().get(0).name()).isNotEqualTo(spec.pods().get(1).name());
        assertThat(spec.pods()).extracting(PodSpec::serviceAccount).containsExactly("httpbin", "httpbin", "sleep");
        assertThat(spec.pods()).allSatisfy(p -> assertThat(p.sidecar()).isTrue());
    }

    @Test
    void aPodWithoutASidecarRunsItsOwnContainer() {
        PodSpec legacy = MeshSpec.of(List.of(new Scenario.Builtin("sleep", "legacy", Optional.of("old"), false)))
                .pods()
                .get(0);

        assertThat(legacy.sidecar()).isFalse();
        assertThat(legacy.serviceAccount()).isEqualTo("old");
        assertThat(legacy.container()).isEqualTo(new PodSpec.NoApp());
    }

    @Test
    void yourDeploymentsRunAsTheirServiceAccountAndWithoutASidecarWhereInjectionIsOff() {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, java.time.Duration.ZERO, 0, 503, 0);
        Scenario.Kubernetes k = new Scenario.Kubernetes(
                "shop.yaml",
                List.of(),
                List.of(
                        new Scenario.KubeDeployment(
                                "cart", "shop", 1, java.util.Map.of("app", "cart"), 8080, one, "cart", true),
                        new Scenario.KubeDeployment(
                                "old", "legacy", 1, java.util.Map.of("app", "old"), 8080, one, "default", false)));

        List<PodSpec> pods = MeshSpec.of(List.of(k)).pods();

        assertThat(pods).extracting(PodSpec::serviceAccount).containsExactly("cart", "default");
        assertThat(pods).extracting(PodSpec::sidecar).containsExactly(true, false);
        assertThat(pods.get(1).container()).isInstanceOf(PodSpec.BuiltinApp.class);
    }
}
