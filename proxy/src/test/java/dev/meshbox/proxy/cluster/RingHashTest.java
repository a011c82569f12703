package dev.meshbox.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.SocketTransport;
import dev.meshbox.proxy.random.XxHash64;
import dev.meshbox.proxy.spec.ClusterConverter;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.testing.FakeTicker;
import dev.meshbox.proxy.testing.XdsFixtures;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RingHashTest {

    private final ClusterCatalog catalog = new ClusterCatalog(
            new SocketTransport(NioSocketChannel.class, null, 1024), new FakeTicker(), new SplittableRandom(0));

    @AfterEach
    void close() {
        catalog.close();
    }

    private UpstreamCluster ring(int hosts) {
        List<EndpointSpec> endpoints = IntStream.rangeClosed(1, hosts)
                .mapToObj(i -> EndpointSpec.healthy(new InetSocketAddress("127.0.0." + (180 + i), 9080)))
                .toList();
        return catalog.rebuild(
                        Map.of("r", ClusterSpec.eds("r", ClusterSpec.LbPolicy.RING_HASH)), Map.of("r", endpoints))
                .get("r");
    }

    @Test
    void xxHash64MatchesTheReferenceVectors() {
        assertThat(XxHash64.hash("")).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(XxHash64.hash("abc")).isEqualTo(0x44BC2CF5AD770999L);
    }

    @Test
    void theSameKeyAlwaysGoesToTheSameHostAndKeysSpreadOverHosts() {
        UpstreamCluster c = ring(3);
        Random random = new Random(1);
        Set<Host> owners = new HashSet<>();
        for (int user = 0; user < 100; user++) {
            OptionalLong key = OptionalLong.of(XxHash64.hash("user-" + user));
            Host first = c.pick(random, key, Set.of(), 1);
            for (int i = 0; i < 5; i++) {
                assertThat(c.pick(random, key, Set.of(), 1)).isSameAs(first);
            }
            owners.add(first);
        }
        assertThat(owners).hasSize(3);
    }

    @Test
    void withoutAKeyThePickIsRandom() {
        UpstreamCluster c = ring(3);
        Random random = new Random(2);
        Set<Host> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(c.pick(random, OptionalLong.empty(), Set.of(), 1));
        }
        assertThat(seen).hasSize(3);
    }

    @Test
    void aRetryPredicateStepsAlongTheRing() {
        UpstreamCluster c = ring(3);
        OptionalLong key = OptionalLong.of(42);
        Host first = c.pick(new Random(1), key, Set.of(), 1);
        assertThat(c.pick(new Random(1), key, Set.of(first), 5)).isNotSameAs(first);
    }

    @Test
    void minimumRingSizeIsReadAndChecked() {
        Cluster proto = XdsFixtures.edsCluster("x", Cluster.LbPolicy.RING_HASH).toBuilder()
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(4096)))
                .build();
        ClusterSpec spec = ClusterConverter.convert(proto);
        assertThat(spec.lbPolicy()).isEqualTo(ClusterSpec.LbPolicy.RING_HASH);
        assertThat(spec.lb().minimumRingSize()).isEqualTo(4096);
        var balancer = (LoadBalancer.RingHash) LoadBalancer.of(spec.lbPolicy(), spec.lb());
        assertThat(balancer.size(ring(3).hosts())).isBetween(4096, 4100);
        assertThatThrownBy(() -> ClusterConverter.convert(proto.toBuilder()
                        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                                .setMinimumRingSize(UInt64Value.of(10))
                                .setMaximumRingSize(UInt64Value.of(5)))
                        .build()))
                .hasMessage("cluster x.ring_hash_lb_config.maximum_ring_size: must be >= minimum_ring_size 10, got 5");
    }
}
