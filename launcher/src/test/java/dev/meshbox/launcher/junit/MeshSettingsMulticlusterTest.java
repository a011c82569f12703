package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.backend.MultiClusterModel;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** {@code @MeshTest(clusters, multicluster)}: the model a test's clusters run, and the mistakes refused. */
class MeshSettingsMulticlusterTest {

    @MeshTest(
            clusters = {"cluster1/network1", "cluster2/network2"},
            multicluster = "global",
            workloads = {"sleep.foo@cluster1", "httpbin.bar@cluster2"})
    static class Global {}

    @MeshTest(clusters = {"cluster1", "cluster2"})
    static class MultiPrimary {}

    @MeshTest(
            clusters = {"cluster1", "cluster2"},
            multicluster = "legacy")
    static class Unknown {}

    @MeshTest(multicluster = "global")
    static class NoClusters {}

    private static MeshSettings of(Class<?> c) {
        return MeshSettings.of(c.getAnnotation(MeshTest.class), c, key -> Optional.empty());
    }

    @Test
    void globalRunsTheOlderModelAndLeftOutIsMultiPrimary() {
        assertThat(of(Global.class).model()).isEqualTo(MultiClusterModel.GLOBAL);
        assertThat(of(MultiPrimary.class).model()).isEqualTo(MultiClusterModel.MULTI_PRIMARY);
    }

    @Test
    void anUnknownModelOrOneWithoutClustersIsRefused() {
        assertThatThrownBy(() -> of(Unknown.class))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("multicluster: unknown multi-cluster model \"legacy\"");
        assertThatThrownBy(() -> of(NoClusters.class)).hasMessageContaining("multicluster = \"global\" needs clusters");
    }
}
