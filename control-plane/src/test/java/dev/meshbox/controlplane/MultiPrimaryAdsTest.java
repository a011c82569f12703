package dev.meshbox.controlplane;

import static dev.meshbox.controlplane.testing.MultiClusterFixture.HELLOWORLD;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.SLEEP;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.eastWestGateway;
import static dev.meshbox.controlplane.testing.MultiClusterFixture.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's multi-primary, multi-network install with two real control planes, each watching the other's registry
 * (remote secrets both ways), read by an independent xDS client (grpc-java's ADS stub) over gRPC: the helloworld
 * endpoints each cluster's sleep is served, and the push when the other cluster scales.
 */
class MultiPrimaryAdsTest {

    private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    private static final String HELLO = "outbound|5000||helloworld.sample.svc.cluster.local";

    private final ControlPlane cp1 = new ControlPlane().clusterIdentity("cluster1", "network1");
    private final ControlPlane cp2 = new ControlPlane().clusterIdentity("cluster2", "network2");
    private final Pod sleep1 = pod("sleep-1", "sleep", "v1", 1, "network1", 10);
    private final Pod sleep2 = pod("sleep-2", "sleep", "v1", 2, "network2", 10);
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void twoClusters() {
        cp1.start(new InetSocketAddress("127.0.0.1", 0));
        cp2.start(new InetSocketAddress("127.0.0.1", 0));
        cp1.registry()
                .putAll(
                        List.of(HELLOWORLD, SLEEP),
                        List.of(
                                sleep1,
                                pod("helloworld-v1", "helloworld", "v1", 1, "network1", 1),
                                eastWestGateway(1, "network1")));
        cp2.registry()
                .putAll(
                        List.of(HELLOWORLD, SLEEP),
                        List.of(
                                sleep2,
                                pod("helloworld-v2", "helloworld", "v2", 2, "network2", 1),
                                eastWestGateway(2, "network2")));
        cp1.addRemoteCluster("cluster2", cp2.registry());
        cp2.addRemoteCluster("cluster1", cp1.registry());
    }

    @AfterEach
    void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        cp1.close();
        cp2.close();
    }

    /** An ADS stream asking {@code cp} for the helloworld endpoints as {@code proxy}. */
    private BlockingQueue<DiscoveryResponse> subscribe(ControlPlane cp, Pod proxy) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort())
                .usePlaintext()
                .build();
        channels.add(channel);
        BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicReference<StreamObserver<DiscoveryRequest>> stream =
                new java.util.concurrent.atomic.AtomicReference<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                        responses.add(value);
                        stream.get()
                                .onNext(DiscoveryRequest.newBuilder()
                                        .setNode(Node.newBuilder().setId(proxy.nodeId()))
                                        .setTypeUrl(EDS)
                                        .addResourceNames(HELLO)
                                        .setVersionInfo(value.getVersionInfo())
                                        .setResponseNonce(value.getNonce())
                                        .build());
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
        stream.set(requests);
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(proxy.nodeId()))
                .setTypeUrl(EDS)
                .addResourceNames(HELLO)
                .build());
        return responses;
    }

    private static List<String> endpoints(DiscoveryResponse r) throws Exception {
        List<String> out = new ArrayList<>();
        ClusterLoadAssignment cla = r.getResources(0).unpack(ClusterLoadAssignment.class);
        cla.getEndpointsList()
                .forEach(l -> l.getLbEndpointsList().forEach(e -> {
                    var a = e.getEndpoint().getAddress().getSocketAddress();
                    out.add(a.getAddress() + ":" + a.getPortValue() + " w"
                            + e.getLoadBalancingWeight().getValue());
                }));
        return out;
    }

    private static DiscoveryResponse next(BlockingQueue<DiscoveryResponse> q) throws InterruptedException {
        DiscoveryResponse r = q.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("an EDS response within 10 s").isNotNull();
        return r;
    }

    @Test
    void eachClustersSleepSeesItsOwnPodAndTheOtherNetworkThroughItsGateway() throws Exception {
        assertThat(endpoints(next(subscribe(cp1, sleep1)))).containsExactly("10.1.0.1:5000 w1", "10.2.0.100:15443 w1");
        assertThat(endpoints(next(subscribe(cp2, sleep2)))).containsExactly("10.2.0.1:5000 w1", "10.1.0.100:15443 w1");
    }

    @Test
    void whenTheOtherClusterScalesTheGatewaysWeightIsPushed() throws Exception {
        BlockingQueue<DiscoveryResponse> fromCp1 = subscribe(cp1, sleep1);
        assertThat(endpoints(next(fromCp1))).containsExactly("10.1.0.1:5000 w1", "10.2.0.100:15443 w1");

        cp2.registry().putPod(pod("helloworld-v2-b", "helloworld", "v2", 2, "network2", 2));

        assertThat(endpoints(next(fromCp1))).containsExactly("10.1.0.1:5000 w1", "10.2.0.100:15443 w2");
    }
}
