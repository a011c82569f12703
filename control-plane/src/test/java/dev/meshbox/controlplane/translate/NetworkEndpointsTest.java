package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.MultiClusterFixture.HELLOWORLD;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.SLEEP;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.eastWestGateway;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Split-horizon EDS as Istio's multi-primary, multi-network install serves it: each proxy sees the endpoints of its own
 * network by pod IP and another network's through that network's east-west gateway on 15443.
 */
class NetworkEndpointsTest {

    private static final String HELLO = "outbound|5000||helloworld.sample.svc.cluster.local";

    private static final Pod SLEEP1 = pod("sleep-1", "sleep", "v1", 1, "network1", 10);
    private static final Pod V1 = pod("helloworld-v1", "helloworld", "v1", 1, "network1", 1);
    private static final Pod V2A = pod("helloworld-v2-a", "helloworld", "v2", 2, "network2", 1);
    private static final Pod V2B = pod("helloworld-v2-b", "helloworld", "v2", 2, "network2", 2);

    private static MeshView view(MeshView.MeshSecurity security, Pod... pods) {
        ServiceRegistry r = new ServiceRegistry();
        r.putAll(List.of(HELLOWORLD, SLEEP), List.of(pods));
        return new MeshView(new ConfigStore().snapshot(), r.snapshot(), security);
    }

    private static List<String> endpoints(MeshView view, Pod proxy) {
        return assignment(view, proxy).getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(NetworkEndpointsTest::describe)
                .toList();
    }

    private static ClusterLoadAssignment assignment(MeshView view, Pod proxy) {
        return Translator.translate(view, proxy).endpoints().stream()
                .filter(a -> a.getClusterName().equals(HELLO))
                .findFirst()
                .orElseThrow();
    }

    private static String describe(LbEndpoint e) {
        var a = e.getEndpoint().getAddress().getSocketAddress();
        String tls = e.getMetadata().getFilterMetadataMap().containsKey(MutualTls.SOCKET_MATCH_METADATA) ? " mtls" : "";
        return a.getAddress() + ":" + a.getPortValue() + " w"
                + e.getLoadBalancingWeight().getValue() + tls;
    }

    @Test
    void aProxySeesItsNetworksPodsAndTheOtherNetworksGatewayWeightedByTheEndpointsBehindIt() {
        MeshView view = view(
                MeshView.MeshSecurity.AUTO_MTLS,
                SLEEP1,
                V1,
                V2A,
                V2B,
                eastWestGateway(1, "network1"),
                eastWestGateway(2, "network2"));

        assertThat(endpoints(view, SLEEP1)).containsExactly("10.1.0.1:5000 w1 mtls", "10.2.0.100:15443 w2 mtls");
        // cluster2's client, the mirror image
        Pod sleep2 = pod("sleep-2", "sleep", "v1", 2, "network2", 10);
        assertThat(endpoints(view, sleep2))
                .containsExactly("10.2.0.1:5000 w1 mtls", "10.2.0.2:5000 w1 mtls", "10.1.0.100:15443 w1 mtls");
    }

    @Test
    void theGatewayEndpointIsWrappedInIstioMtlsWithTheServicesSni() {
        MeshView view = view(
                MeshView.MeshSecurity.AUTO_MTLS,
                SLEEP1,
                V1,
                V2A,
                eastWestGateway(1, "network1"),
                eastWestGateway(2, "network2"));
        var cluster = Translator.translate(view, SLEEP1).clusters().stream()
                .filter(c -> c.getName().equals(HELLO))
                .findFirst()
                .orElseThrow();
        assertThat(cluster.getTransportSocketMatchesList())
                .first()
                .satisfies(
                        m -> assertThat(m.getTransportSocket().getTypedConfig().toString())
                                .contains("outbound_.5000_._.helloworld.sample.svc.cluster.local"));
    }

    @Test
    void onOneNetworkRemotePodsAreReachedDirectly() {
        Pod v2 = pod("helloworld-v2", "helloworld", "v2", 2, "network1", 1);
        MeshView view = view(
                MeshView.MeshSecurity.AUTO_MTLS,
                SLEEP1,
                V1,
                v2,
                eastWestGateway(1, "network1"),
                eastWestGateway(2, "network1"));

        assertThat(endpoints(view, SLEEP1)).containsExactly("10.1.0.1:5000 w1 mtls", "10.2.0.1:5000 w1 mtls");
    }

    @Test
    void remoteEndpointsThatTakeNoMtlsAreDropped() {
        Pod plain = new Pod(
                V2A.name(), V2A.namespace(), V2A.ip(), V2A.appAddress(), V2A.labels(), Pod.ProxyKind.NONE, true);
        MeshView view = view(
                MeshView.MeshSecurity.AUTO_MTLS,
                SLEEP1,
                V1,
                plain,
                V2B,
                eastWestGateway(1, "network1"),
                eastWestGateway(2, "network2"));

        assertThat(endpoints(view, SLEEP1)).containsExactly("10.1.0.1:5000 w1 mtls", "10.2.0.100:15443 w1 mtls");
    }

    @Test
    void aNetworkWithoutAGatewayIsReachedDirectlyAsIstioTakesIt() {
        Pod v3 = pod("helloworld-v3", "helloworld", "v3", 3, "network3", 1);
        MeshView view = view(MeshView.MeshSecurity.AUTO_MTLS, SLEEP1, V1, V2A, v3, eastWestGateway(2, "network2"));

        assertThat(endpoints(view, SLEEP1))
                .containsExactly("10.1.0.1:5000 w1 mtls", "10.3.0.1:5000 w1 mtls", "10.2.0.100:15443 w1 mtls");
    }

    @Test
    void theEastWestGatewaySeesOnlyItsOwnNetwork() {
        Pod gateway1 = eastWestGateway(1, "network1");
        MeshView view =
                view(MeshView.MeshSecurity.AUTO_MTLS, SLEEP1, V1, V2A, V2B, gateway1, eastWestGateway(2, "network2"));

        assertThat(endpoints(view, gateway1)).containsExactly("10.1.0.1:5000 w1 mtls");
    }

    @Test
    void withoutEastWestGatewaysEveryEndpointIsDirectAsInOneCluster() {
        MeshView view = view(MeshView.MeshSecurity.AUTO_MTLS, SLEEP1, V1, V2A);

        assertThat(endpoints(view, SLEEP1)).containsExactly("10.1.0.1:5000 w1 mtls", "10.2.0.1:5000 w1 mtls");
        assertThat(assignment(view, SLEEP1)
                        .getEndpoints(0)
                        .getLoadBalancingWeight()
                        .getValue())
                .isEqualTo(1);
    }

    @Test
    void aStartingGatewayStillStandsForItsNetwork() {
        MeshView view = view(
                MeshView.MeshSecurity.AUTO_MTLS,
                SLEEP1,
                V1,
                V2A,
                eastWestGateway(1, "network1"),
                eastWestGateway(2, "network2").withReady(false));

        assertThat(endpoints(view, SLEEP1)).containsExactly("10.1.0.1:5000 w1 mtls", "10.2.0.100:15443 w1 mtls");
    }
}
