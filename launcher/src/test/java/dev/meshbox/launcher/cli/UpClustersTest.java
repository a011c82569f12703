package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.scenarios.Scenario;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code up --clusters N}: cluster1..N, each its own network unless --single-network, cacerts as Istio lays them out. */
class UpClustersTest {

    @Test
    void twoClustersRunBookinfoEachOnItsOwnNetworkWithIstiosCacertsLayout() {
        List<MultiClusterMesh.ClusterSpec> specs =
                UpClusters.specs(2, false, List.of(new Scenario.Builtin("bookinfo")), Path.of("certs"));

        assertThat(specs).extracting(MultiClusterMesh.ClusterSpec::name).containsExactly("cluster1", "cluster2");
        assertThat(specs).extracting(MultiClusterMesh.ClusterSpec::network).containsExactly("network1", "network2");
        assertThat(specs.get(1).cacerts()).isEqualTo(Path.of("certs", "cluster2"));
        assertThat(specs).allSatisfy(s -> assertThat(s.mesh().pods()).hasSize(6));
        assertThat(UpClusters.specs(2, true, List.of(), null))
                .extracting(MultiClusterMesh.ClusterSpec::network)
                .containsOnly("network1");
    }
}
