package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.scenarios.Scenario;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** {@code @MeshTest(clusters)}: where each workload runs, and the mistakes named. */
class MeshClustersTest {

    @MeshTest(
            clusters = {"cluster1/network1", "cluster2/network2"},
            workloads = {"helloworld-v1.sample@cluster1", "helloworld-v2.sample@cluster2", "sleep.sample"})
    static class Verify {}

    @MeshTest(clusters = {"cluster1", "cluster2"})
    static class TwoBookinfos {}

    @MeshTest(clusters = {"cluster1", "cluster1"})
    static class Twice {}

    @MeshTest(
            clusters = {"cluster1"},
            workloads = "sleep@cluster3")
    static class Unknown {}

    private static MeshSettings settings(Class<?> c) {
        return MeshSettings.of(c.getAnnotation(MeshTest.class), c, key -> Optional.empty());
    }

    @Test
    void aWorkloadAtAClusterRunsThereOnlyOthersEverywhere() {
        MeshSettings s = settings(Verify.class);

        assertThat(s.clusters()).extracting(Scenario.Cluster::name).containsExactly("cluster1", "cluster2");
        assertThat(s.clusters()).extracting(Scenario.Cluster::network).containsExactly("network1", "network2");
        assertThat(s.clusters().get(0).workloads())
                .extracting(Scenario.Workload::displayName)
                .containsExactly("sleep.sample", "helloworld-v1.sample");
        assertThat(s.clusters().get(1).workloads())
                .extracting(Scenario.Workload::displayName)
                .containsExactly("sleep.sample", "helloworld-v2.sample");
    }

    @Test
    void withoutWorkloadsEveryClusterRunsBookinfo() {
        assertThat(settings(TwoBookinfos.class).clusters())
                .allSatisfy(c -> assertThat(c.workloads())
                        .extracting(Scenario.Workload::displayName)
                        .containsExactly("bookinfo"));
    }

    @Test
    void aNameUsedTwiceAndAnUnknownClusterAreNamed() {
        assertThatThrownBy(() -> settings(Twice.class))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("@MeshTest on " + Twice.class.getName() + ": clusters: cluster name \"cluster1\""
                        + " is used twice");
        assertThatThrownBy(() -> settings(Unknown.class))
                .hasMessageContaining(
                        "workloads: \"sleep@cluster3\": unknown cluster \"cluster3\"; clusters: [cluster1]");
    }
}
