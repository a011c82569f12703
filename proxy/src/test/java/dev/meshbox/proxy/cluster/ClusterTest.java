package dev.meshbox.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.SocketTransport;
import dev.meshbox.proxy.spec.ClusterConverter;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.testing.FakeTicker;
import dev.meshbox.proxy.testing.XdsFixtures;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterTest {

    private final ClusterCatalog catalog = new ClusterCatalog(
            new SocketTransport(NioSocketChannel.class, null, 1024), new FakeTicker(), new SplittableRandom(0));

    @AfterEach
    void close() {
        catalog.close();
    }

    private static EndpointSpec ep(int n) {
        return EndpointSpec.healthy(new InetSocketAddress("127.0.0." + (130 + n), 9080));
    }

    private UpstreamCluster build(ClusterSpec.LbPolicy lb, EndpointSpec... endpoints) {
        return catalog.rebuild(Map.of("c", ClusterSpec.eds("c", lb)), Map.of("c", List.of(endpoints)))
                .get("c");
    }

    private static List<String> picks(UpstreamCluster c, Random random, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.pick(random, Set.of(), 1).hostPort());
        }
        return out;
    }

    @Test
    void roundRobinVisitsEachHostInTurn() {
        UpstreamCluster c = build(ClusterSpec.LbPolicy.ROUND_ROBIN, ep(1), ep(2), ep(3));
        assertThat(picks(c, new Random(1), 6))
                .containsExactly(
                        "127.0.0.131:9080",
                        "127.0.0.132:9080",
                        "127.0.0.133:9080",
                        "127.0.0.131:9080",
                        "127.0.0.132:9080",
                        "127.0.0.133:9080");
    }

    @Test
    void leastRequestPrefersTheLessBusyOfTwoDraws() {
        UpstreamCluster c = build(ClusterSpec.LbPolicy.LEAST_REQUEST, ep(1), ep(2));
        Host busy = c.hosts().get(0);
        for (int i = 0; i < 5; i++) {
            busy.requestStarted();
        }
        List<String> picks = picks(c, new Random(3), 1000);
        long toBusy = picks.stream().filter(busy.hostPort()::equals).count();
        // Only when both draws land on the busy host (a quarter of the time) is it chosen.
        assertThat(toBusy).isBetween(200L, 300L);
        assertThat(picks(c, new Random(3), 50)).isEqualTo(picks(c, new Random(3), 50));
    }

    @Test
    void randomIsReproducibleWithASeed() {
        UpstreamCluster c = build(ClusterSpec.LbPolicy.RANDOM, ep(1), ep(2), ep(3));
        assertThat(picks(c, new Random(9), 30))
                .isEqualTo(picks(c, new Random(9), 30))
                .hasSize(30);
    }

    @Test
    void previousHostsAreAvoidedWhenAnotherIsThere() {
        UpstreamCluster c = build(ClusterSpec.LbPolicy.RANDOM, ep(1), ep(2));
        Host first = c.hosts().get(0);
        for (int i = 0; i < 50; i++) {
            assertThat(c.pick(new Random(i), Set.of(first), 5)).isNotSameAs(first);
        }
    }

    @Test
    void noHealthyHostPanicsByDefaultAndPicksNothingWithPanicDisabled() {
        EndpointSpec unhealthy = new EndpointSpec(new InetSocketAddress("127.0.0.131", 9080), false, 1, Map.of());
        UpstreamCluster panicking = build(ClusterSpec.LbPolicy.ROUND_ROBIN, unhealthy);
        // Envoy's default panic threshold is 50 %: with no healthy host it balances over all of them.
        assertThat(panicking.pick(new Random(1), Set.of(), 1)).isNotNull();
        assertThat(panicking.stats().lbHealthyPanic.sum()).isEqualTo(1);

        ClusterSpec noPanic = ClusterSpec.eds("c", ClusterSpec.LbPolicy.ROUND_ROBIN)
                .withOutlier(null, new ClusterSpec.LbOptions(0, 1024, 8 << 20));
        UpstreamCluster c = catalog.rebuild(Map.of("c", noPanic), Map.of("c", List.of(unhealthy)))
                .get("c");
        assertThat(c.pick(new Random(1), Set.of(), 1)).isNull();
        assertThat(c.hosts()).hasSize(1);
    }

    @Test
    void statsAndHostsSurviveAnEdsUpdateThatKeepsThem() {
        UpstreamCluster before = build(ClusterSpec.LbPolicy.ROUND_ROBIN, ep(1), ep(2));
        before.stats().upstreamRqTotal.add(7);
        Host kept = before.hosts().get(0);
        UpstreamCluster after = build(ClusterSpec.LbPolicy.ROUND_ROBIN, ep(1), ep(3));
        assertThat(after.stats().upstreamRqTotal.sum()).isEqualTo(7);
        assertThat(after.hosts().get(0)).isSameAs(kept);
        assertThat(after.hosts()).extracting(Host::hostPort).containsExactly("127.0.0.131:9080", "127.0.0.133:9080");
    }

    @Test
    void converterReadsTheContractShapeAndRejectsUnknownPolicies() {
        ClusterSpec spec = ClusterConverter.convert(
                XdsFixtures.edsCluster("outbound|9080|v1|reviews", Cluster.LbPolicy.LEAST_REQUEST));
        assertThat(spec.type()).isEqualTo(ClusterSpec.Type.EDS);
        assertThat(spec.edsResourceName()).isEqualTo("outbound|9080|v1|reviews");
        assertThat(spec.connectTimeout()).hasSeconds(10);
        assertThat(ClusterConverter.convert(XdsFixtures.staticCluster("inbound|9080||", "127.20.0.3", 9080))
                        .staticEndpoints())
                .extracting(EndpointSpec::hostPort)
                .containsExactly("127.20.0.3:9080");
        assertThatThrownBy(() -> ClusterConverter.convert(
                        XdsFixtures.edsCluster("x", Cluster.LbPolicy.CLUSTER_PROVIDED).toBuilder()
                                .setLbPolicy(Cluster.LbPolicy.LOAD_BALANCING_POLICY_CONFIG)
                                .build()))
                .hasMessage("cluster x.lb_policy: LOAD_BALANCING_POLICY_CONFIG is not supported (expected ROUND_ROBIN, "
                        + "LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
    }

    @Test
    void istiosUnlimitedCircuitBreakerOfUint32MaxMeansNoLimit() {
        var unlimited = com.google.protobuf.UInt32Value.of((int) 4_294_967_295L);
        Cluster c = XdsFixtures.edsCluster("outbound|9080||reviews", Cluster.LbPolicy.LEAST_REQUEST).toBuilder()
                .setCircuitBreakers(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.newBuilder()
                        .addThresholds(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.newBuilder()
                                .setMaxConnections(unlimited)
                                .setMaxPendingRequests(unlimited)
                                .setMaxRequests(unlimited)
                                .setMaxRetries(unlimited)))
                .build();
        ClusterSpec.Limits limits = ClusterConverter.convert(c).limits();
        assertThat(limits.maxConnections()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxPendingRequests()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxRequests()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxRetries()).isEqualTo(Integer.MAX_VALUE);
    }
}
