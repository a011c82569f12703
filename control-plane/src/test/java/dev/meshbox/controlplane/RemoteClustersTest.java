package dev.meshbox.controlplane;

import static dev.meshbox.controlplane.testing.MultiClusterFixture.HELLOWORLD;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.SLEEP;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.eastWestGateway;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.translate.XdsResources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Remote secrets: a control plane discovers another cluster's endpoints from its registry, as istiod watches a remote
 * cluster's API server, while its config and its proxies stay its own.
 */
class RemoteClustersTest {

    private static final String HELLO = "outbound|5000||helloworld.sample.svc.cluster.local";

    private final ControlPlane cp = new ControlPlane().clusterIdentity("cluster1", "network1");
    private final ServiceRegistry cluster2 = new ServiceRegistry();
    private final Pod sleep1 = pod("sleep", "sleep", "v1", 1, "network1", 10);
    private final Pod v1 = pod("helloworld-v1", "helloworld", "v1", 1, "network1", 1);
    private final Pod v2 = pod("helloworld-v2", "helloworld", "v2", 2, "network2", 1);

    @AfterEach
    void close() {
        cp.close();
    }

    private List<String> helloEndpoints(Pod proxy) {
        XdsResources r = cp.resources(proxy.nodeId());
        assertThat(r).as("resources of " + proxy.nodeId()).isNotNull();
        return r.endpoints().stream()
                .filter(a -> a.getClusterName().equals(HELLO))
                .flatMap(a -> a.getEndpointsList().stream())
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue())
                .toList();
    }

    @Test
    void aServiceInBothClustersHasTheUnionOfTheirEndpointsBehindTheRemoteNetworksGateway() {
        cp.registry().putAll(List.of(HELLOWORLD, SLEEP), List.of(sleep1, v1, eastWestGateway(1, "network1")));
        cluster2.putAll(List.of(HELLOWORLD, SLEEP), List.of(v2, eastWestGateway(2, "network2")));
        cp.addRemoteCluster("cluster2", cluster2);

        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000", "10.2.0.100:15443");
    }

    @Test
    void aDockerServiceNamingItsPodsInEachClusterHasThePodsOfBoth() {
        // Docker's registry knows a service by its network alias: its pods by name, no selector.
        MeshService mine = new MeshService(
                "helloworld", "sample", List.of(ServicePort.http(5000)), Map.of(), java.util.Set.of(v1.name()));
        MeshService theirs = new MeshService(
                "helloworld", "sample", List.of(ServicePort.http(5000)), Map.of(), java.util.Set.of(v2.name()));
        cp.registry().putAll(List.of(mine, SLEEP), List.of(sleep1, v1, eastWestGateway(1, "network1")));
        cluster2.putAll(List.of(theirs, SLEEP), List.of(v2, eastWestGateway(2, "network2")));
        cp.addRemoteCluster("cluster2", cluster2);

        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000", "10.2.0.100:15443");
    }

    @Test
    void aChangeInTheRemoteRegistryIsPushedAndRemovingTheClusterForgetsIt() {
        cp.registry().putAll(List.of(HELLOWORLD, SLEEP), List.of(sleep1, v1));
        cp.addRemoteCluster("cluster2", cluster2);
        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000");

        cluster2.putAll(List.of(HELLOWORLD), List.of(v2)); // no gateways: one flat network, pod IPs
        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000", "10.2.0.1:5000");

        cp.removeRemoteCluster("cluster2");
        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000");
        cluster2.removePod("sample", "helloworld-v2");
        assertThat(helloEndpoints(sleep1)).containsExactly("10.1.0.1:5000");
    }

    @Test
    void aServiceOnlyInTheRemoteClusterIsKnown() {
        MeshService remoteOnly =
                new MeshService("httpbin", "sample", List.of(ServicePort.http(8000)), Map.of("app", "httpbin"));
        cp.registry().putAll(List.of(SLEEP), List.of(sleep1));
        cluster2.putAll(List.of(remoteOnly), List.of(pod("httpbin-v1", "httpbin", "v1", 2, "network1", 5)));
        cp.addRemoteCluster("cluster2", cluster2);

        assertThat(cp.resources(sleep1.nodeId()).endpoints())
                .extracting(ClusterLoadAssignment::getClusterName)
                .contains("outbound|8000||httpbin.sample.svc.cluster.local");
    }

    @Test
    void remotePodsNeverReplaceLocalOnesOfTheSameNameNorBecomeThisControlPlanesProxies() {
        Pod remoteSleep = new Pod(
                "sleep", "sample", "10.2.0.10", "10.2.1.10", Map.of("app", "sleep"), Pod.ProxyKind.SIDECAR, true);
        cp.registry().putAll(List.of(HELLOWORLD, SLEEP), List.of(sleep1, v1));
        cluster2.putAll(List.of(HELLOWORLD, SLEEP), List.of(remoteSleep));
        cp.addRemoteCluster("cluster2", cluster2);

        assertThat(cp.proxyStatus()).doesNotContainKey(remoteSleep.nodeId());
        assertThat(cp.resources(remoteSleep.nodeId())).isNull();
        assertThat(cp.resources(sleep1.nodeId()).endpoints().stream()
                        .filter(a -> a.getClusterName().equals("outbound|80||sleep.sample.svc.cluster.local"))
                        .flatMap(a -> a.getEndpointsList().stream())
                        .flatMap(l -> l.getLbEndpointsList().stream())
                        .map(e ->
                                e.getEndpoint().getAddress().getSocketAddress().getAddress()))
                .containsExactlyInAnyOrder("10.1.0.10", "10.2.0.10");
    }

    @Test
    void aRemoteClusterCannotTakeThisControlPlanesOwnName() {
        assertThat(cp.clusterId()).isEqualTo("cluster1");
        try (ControlPlane defaults = new ControlPlane()) {
            assertThat(defaults.clusterId()).isEqualTo("Kubernetes");
        }
        assertThatThrownBy(() -> cp.addRemoteCluster("cluster1", cluster2))
                .hasMessageContaining("cluster 'cluster1' is this control plane's own cluster id");
    }

    @Test
    void aClosedControlPlaneIsNoLongerRebuiltByTheClustersItWatched() {
        ControlPlane closed = new ControlPlane().clusterIdentity("cluster3", "network3");
        closed.addRemoteCluster("cluster2", cluster2);
        assertThat(closed.remoteClusters()).containsExactly("cluster2");
        closed.close();

        cluster2.putAll(List.of(HELLOWORLD), List.of(v2)); // must neither throw nor rebuild the closed one
        assertThat(closed.remoteClusters()).isEmpty();
    }
}
