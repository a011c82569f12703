package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.BookinfoYaml;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An independent xDS client (grpc-java's generated ADS stub, nothing of MeshBox's proxy) talks to the control
 * plane over a real gRPC connection: the resources on the wire are the translator's, and ACK/NACK are tracked.
 */
class AdsWireTest {

    private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    private ControlPlane cp;
    private ManagedChannel channel;
    private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    private StreamObserver<DiscoveryRequest> requests;
    private final Node node = Node.newBuilder()
            .setId(BookinfoFixture.PRODUCTPAGE.nodeId())
            .setCluster("productpage.default")
            .build();

    @BeforeEach
    void start() {
        cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
        BookinfoFixture.registry().snapshot().services().values().forEach(cp.registry()::putService);
        BookinfoFixture.registry().snapshot().pods().values().forEach(cp.registry()::putPod);
        assertThat(cp.config()
                        .apply("dr.yaml", BookinfoYaml.DESTINATION_RULE_ALL.text())
                        .ok())
                .isTrue();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort())
                .usePlaintext()
                .build();
        requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
    }

    @AfterEach
    void stop() {
        requests.onCompleted();
        channel.shutdownNow();
        cp.close();
    }

    @Test
    void servesTranslatedClustersAndRecordsAckAndNack() throws Exception {
        requests.onNext(
                DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
        DiscoveryResponse cds = next();
        assertThat(cds.getTypeUrl()).isEqualTo(CDS);
        assertThat(cds.getResourcesList())
                .extracting(a -> a.unpack(Cluster.class).getName())
                .contains("outbound|9080|v1|reviews.default.svc.cluster.local", "inbound|9080||", "PassthroughCluster");
        // Byte for byte what the translator produced for this proxy: the wire adds nothing and loses nothing.
        assertThat(cds.getResourcesList())
                .extracting(a -> a.unpack(Cluster.class))
                .containsExactlyInAnyOrderElementsOf(cp.resources(node.getId()).clusters());
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(CDS)
                .setVersionInfo(cds.getVersionInfo())
                .setResponseNonce(cds.getNonce())
                .build());

        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(RDS)
                .addResourceNames("9080")
                .build());
        DiscoveryResponse rds = next();
        assertThat(rds.getResources(0).unpack(RouteConfiguration.class).getName())
                .isEqualTo("9080");
        assertThat(rds.getResources(0).unpack(RouteConfiguration.class))
                .isEqualTo(cp.resources(node.getId()).routes().stream()
                        .filter(r -> r.getName().equals("9080"))
                        .findFirst()
                        .orElseThrow());
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(RDS)
                .addResourceNames("9080")
                .setVersionInfo("")
                .setResponseNonce(rds.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage("cannot apply route 9080"))
                .build());

        awaitStatus(s -> s.types().get("CDS").synced()
                && s.types().get("RDS").nackReason().equals("cannot apply route 9080"));
        ProxyStatus st = cp.proxyStatus().get(node.getId());
        assertThat(st.types().get("CDS").acked()).isEqualTo(cds.getVersionInfo());
        assertThat(st.types().get("RDS").nacked()).isEqualTo(rds.getVersionInfo());
        assertThat(st.rejected()).isTrue();
        // A NACK of the version a proxy should hold ends the wait, rather than the timeout.
        assertThat(cp.awaitConvergence(Duration.ofMinutes(5)))
                .isEqualTo(new Convergence.Outcome(Convergence.Ending.REJECTED, List.of(node.getId())));
        assertThat(cp.describeLagging())
                .contains("RDS wants " + rds.getVersionInfo(), "NACKed", "cannot apply route 9080");
    }

    @Test
    void applyingConfigPushesANewRouteVersion() throws Exception {
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(RDS)
                .addResourceNames("9080")
                .build());
        DiscoveryResponse first = next();
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(RDS)
                .addResourceNames("9080")
                .setVersionInfo(first.getVersionInfo())
                .setResponseNonce(first.getNonce())
                .build());
        cp.config().apply(BookinfoYaml.REVIEWS_V3.file(), BookinfoYaml.REVIEWS_V3.text());
        DiscoveryResponse pushed = next();
        assertThat(pushed.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
        RouteConfiguration rc = pushed.getResources(0).unpack(RouteConfiguration.class);
        assertThat(rc.getVirtualHostsList())
                .filteredOn(v -> v.getName().startsWith("reviews."))
                .singleElement()
                .satisfies(
                        v -> assertThat(v.getRoutes(0).getRoute().getCluster()).contains("|v3|reviews"));
    }

    @Test
    void anAckForFewerEndpointNamesThanTheSnapshotHoldsIsNotInSync() throws Exception {
        String eds = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
        List<String> all = cp.resources(node.getId()).endpoints().stream()
                .map(ClusterLoadAssignment::getClusterName)
                .sorted()
                .toList();
        assertThat(all).hasSizeGreaterThan(1);
        // A proxy that knows one cluster so far: the right version, for one name.
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(eds)
                .addResourceNames(all.get(0))
                .build());
        DiscoveryResponse one = next();
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(eds)
                .addResourceNames(all.get(0))
                .setVersionInfo(one.getVersionInfo())
                .setResponseNonce(one.getNonce())
                .build());
        awaitStatus(s -> s.types().get("EDS").acked().startsWith(one.getVersionInfo()));
        ProxyStatus partial = cp.proxyStatus().get(node.getId());
        assertThat(partial.types().get("EDS").synced())
                .as("its other clusters would still be warming")
                .isFalse();
        assertThat(partial.types().get("EDS").acked()).contains("not yet for");

        // It asks for every cluster's endpoints and ACKs them: now it is in sync.
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(eds)
                .addAllResourceNames(all)
                .setVersionInfo(one.getVersionInfo())
                .setResponseNonce(one.getNonce())
                .build());
        DiscoveryResponse every = next();
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(eds)
                .addAllResourceNames(all)
                .setVersionInfo(every.getVersionInfo())
                .setResponseNonce(every.getNonce())
                .build());
        awaitStatus(s -> s.types().get("EDS").synced());
    }

    /** Subscribes to {@code names} of {@code type} (none: a wildcard) and ACKs what comes. */
    private void subscribeAndAck(String type, List<String> names) throws InterruptedException {
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .addAllResourceNames(names)
                .build());
        DiscoveryResponse r = next();
        assertThat(r.getTypeUrl()).isEqualTo(type);
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .addAllResourceNames(names)
                .setVersionInfo(r.getVersionInfo())
                .setResponseNonce(r.getNonce())
                .build());
    }

    @Test
    void convergenceWaitsForTheSecretsTheTlsContextsName() throws Exception {
        subscribeAndAck(CDS, List.of());
        subscribeAndAck("type.googleapis.com/envoy.config.listener.v3.Listener", List.of());
        subscribeAndAck(
                RDS,
                cp.resources(node.getId()).routes().stream()
                        .map(RouteConfiguration::getName)
                        .sorted()
                        .toList());
        subscribeAndAck(
                "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
                cp.resources(node.getId()).endpoints().stream()
                        .map(ClusterLoadAssignment::getClusterName)
                        .sorted()
                        .toList());

        awaitStatus(s -> List.of("CDS", "LDS", "RDS", "EDS").stream()
                .allMatch(t -> s.types().get(t).synced()));
        ProxyStatus withoutSecrets = cp.proxyStatus().get(node.getId());
        assertThat(withoutSecrets.synced())
                .as("auto mTLS names default and ROOTCA: not in sync before they are ACKed")
                .isFalse();
        assertThat(withoutSecrets.types().get("SDS").synced()).isFalse();

        subscribeAndAck(
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", List.of("ROOTCA", "default"));
        awaitStatus(ProxyStatus::synced);
    }

    private DiscoveryResponse next() throws InterruptedException {
        DiscoveryResponse r = responses.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("a response from the control plane within 5 s").isNotNull();
        return r;
    }

    private void awaitStatus(Predicate<ProxyStatus> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            ProxyStatus s = cp.proxyStatus().get(node.getId());
            if (s != null && condition.test(s)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("status not reached: " + cp.proxyStatus().get(node.getId()));
    }
}
