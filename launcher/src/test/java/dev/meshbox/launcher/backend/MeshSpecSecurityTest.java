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
    void aPodWithoutASidecarRunsLocallyAndSaysWhyNotInContainers() {
        PodSpec legacy = MeshSpec.of(List.of(new Scenario.Builtin("sleep", "legacy", Optional.of("old"), false)))
                .pods()
                .get(0);

        assertThat(legacy.sidecar()).isFalse();
        assertThat(legacy.serviceAccount()).isEqualTo("old");
        assertThat(legacy.container())
                .isEqualTo(new PodSpec.NotInContainers("sleep.legacy (no sidecar): a pod without a sidecar runs on"
                        + " the local backend only for now; on docker, every pod gets one"));
    }
}
