package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.scenarios.Scenario;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each cluster of a multi-cluster mesh runs, and the cluster lists refused before anything starts. */
class MultiClusterMeshTest {

    private static final MeshSpec SLEEP = MeshSpec.of(List.of(new Scenario.Builtin("sleep")));

    @Test
    void everyPodCarriesItsClusterAndNetworkAndAnotherClustersPodsHaveOtherNames() {
        MeshSpec one = MultiClusterMesh.forCluster(new ClusterSpec("cluster1", "network1", SLEEP), 0, false);
        MeshSpec two = MultiClusterMesh.forCluster(new ClusterSpec("cluster2", "network1", SLEEP), 1, false);

        assertThat(one.pods())
                .allSatisfy(p -> assertThat(p.labels())
                        .containsEntry(Topology.CLUSTER, "cluster1")
                        .containsEntry(Topology.NETWORK, "network1"));
        assertThat(two.pods().get(0).labels()).containsEntry(Topology.CLUSTER, "cluster2");
        assertThat(one.pods().get(0).name()).isEqualTo(SLEEP.pods().get(0).name());
        assertThat(two.pods().get(0).name())
                .startsWith("sleep-")
                .isNotEqualTo(one.pods().get(0).name());
        // One network: no east-west gateway, no expose-services Gateway.
        assertThat(one.pods()).noneMatch(p -> p.container() instanceof PodSpec.GatewayProxy);
        assertThat(one.defaultConfigNames()).doesNotContain("expose-services.yaml");
    }

    @Test
    void onSeveralNetworksEachClusterRunsAnEastWestGatewayExposingItsServices() {
        MeshSpec two = MultiClusterMesh.forCluster(new ClusterSpec("cluster2", "network2", SLEEP), 1, true);

        PodSpec gateway = two.pods().stream()
                .filter(p -> p.container() instanceof PodSpec.GatewayProxy)
                .findFirst()
                .orElseThrow();
        assertThat(gateway.namespace()).isEqualTo("istio-system");
        assertThat(gateway.labels())
                .containsEntry("istio", "eastwestgateway")
                .containsEntry("app", "istio-eastwestgateway")
                .containsEntry(Topology.NETWORK, "network2")
                .containsEntry(Topology.CLUSTER, "cluster2");
        assertThat(two.services()).anySatisfy(s -> assertThat(s.name()).isEqualTo("istio-eastwestgateway"));
        assertThat(two.defaultConfig())
                .anySatisfy(t -> assertThat(t)
                        .contains("name: cross-network-gateway")
                        .contains("mode: AUTO_PASSTHROUGH")
                        .contains("\"*.local\""));
    }

    @Test
    void aClusterNameUsedTwiceIsRefusedNamingBothEntries() {
        assertThatThrownBy(() -> MultiClusterMesh.check(List.of(
                        new ClusterSpec("cluster1", "network1", SLEEP),
                        new ClusterSpec("cluster1", "network2", SLEEP))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clusters[1].name: cluster name \"cluster1\" is used twice (clusters[0] and clusters[1]);"
                        + " each cluster needs its own name, as its istiod's clusterName");
        assertThatThrownBy(() -> MultiClusterMesh.check(List.of(new ClusterSpec("Cluster_1", "", SLEEP))))
                .hasMessageContaining("clusters[0].name: \"Cluster_1\" must be a DNS label");
    }

    @Test
    void cacertsForSomeClustersOnlyIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path c1 = ClusterCerts.generate(dir, List.of("cluster1")).get("cluster1");
        assertThatThrownBy(() -> MultiClusterMesh.check(List.of(
                        new ClusterSpec("cluster1", "network1", SLEEP, c1),
                        new ClusterSpec("cluster2", "network1", SLEEP))))
                .hasMessageContaining("clusters[1].cacerts: give cacerts to every cluster or to none");
    }
}
