package dev.meshbox.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.SocketTransport;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.testing.FakeTicker;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Envoy's priority levels (overprovisioning 1.4) and locality weights, as EDS from Istio's locality LB sets them. */
class PrioritySetTest {

    private final FakeTicker ticker = new FakeTicker();
    private final ClusterCatalog catalog = new ClusterCatalog(
            new SocketTransport(NioSocketChannel.class, null, 1024), ticker, new SplittableRandom(1));

    @AfterEach
    void close() {
        catalog.close();
    }

    private static ClusterSpec.OutlierSpec outlier() {
        var d = ClusterSpec.OutlierSpec.ENVOY_DEFAULTS;
        return new ClusterSpec.OutlierSpec(
                1,
                100,
                5,
                0,
                false,
                5,
                100,
                Duration.ofSeconds(1),
                Duration.ofMinutes(1),
                d.maxEjectionTime(),
                100,
                false);
    }

    /** An endpoint {@code 127.0.0.(160+n)} in locality {@code region/zone} at {@code priority} with a weight. */
    private static EndpointSpec at(int n, String locality, int priority, int weight) {
        String[] l = locality.split("/");
        return new EndpointSpec(
                new InetSocketAddress("127.0.0." + (160 + n), 5000),
                true,
                1,
                Map.of(),
                Map.of(),
                Map.of(),
                new EndpointSpec.Locality(l[0], l[1], "", priority, weight));
    }

    private UpstreamCluster cluster(ClusterSpec.LbPolicy policy, boolean localityWeighted, List<EndpointSpec> eps) {
        return cluster(policy, localityWeighted, 0, eps);
    }

    private UpstreamCluster cluster(
            ClusterSpec.LbPolicy policy, boolean localityWeighted, double panicThreshold, List<EndpointSpec> eps) {
        ClusterSpec spec = ClusterSpec.eds("helloworld", policy)
                .withOutlier(outlier(), new ClusterSpec.LbOptions(panicThreshold, 1024, 8 << 20, localityWeighted));
        return catalog.rebuild(Map.of("helloworld", spec), Map.of("helloworld", eps))
                .get("helloworld");
    }

    /** Requests per locality (region/zone) over {@code n} picks with a fixed seed. */
    private static Map<String, Integer> spread(UpstreamCluster c, int n, OptionalLong hash) {
        Random random = new Random(7);
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Host h = c.pick(random, hash, Set.of(), 1);
            out.merge(h.spec().locality().region() + "." + h.spec().locality().zone(), 1, Integer::sum);
        }
        return out;
    }

    private static Host host(UpstreamCluster c, String region, String zone) {
        return c.hosts().stream()
                .filter(h -> h.spec().locality().region().equals(region)
                        && h.spec().locality().zone().equals(zone))
                .findFirst()
                .orElseThrow();
    }

    private static final List<EndpointSpec> TASK = List.of(
            at(1, "region1/zone1", 0, 1),
            at(2, "region1/zone2", 1, 1),
            at(3, "region2/zone3", 2, 1),
            at(4, "region3/zone4", 3, 1));

    @Test
    void theHighestPriorityTakesEverythingAndEjectionsFailOverLevelByLevel() {
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, TASK);
        assertThat(spread(c, 50, OptionalLong.empty())).containsExactlyEntriesOf(Map.of("region1.zone1", 50));

        List<String> sequence = new ArrayList<>();
        for (String[] drained : new String[][] {{"region1", "zone1"}, {"region1", "zone2"}, {"region2", "zone3"}}) {
            c.outlier().putHttpStatus(host(c, drained[0], drained[1]), 503);
            sequence.add(String.join(",", spread(c, 50, OptionalLong.empty()).keySet()));
        }
        assertThat(sequence).containsExactly("region1.zone2", "region2.zone3", "region3.zone4");

        ticker.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(spread(c, 20, OptionalLong.empty())).containsOnlyKeys("region1.zone1");
    }

    @Test
    void aLevelBelowOneHundredOverOnePointFourPercentHealthySpillsThatShareDown() {
        List<EndpointSpec> eps = List.of(
                at(1, "region1/zone1", 0, 4),
                at(2, "region1/zone1", 0, 4),
                at(3, "region1/zone1", 0, 4),
                at(4, "region1/zone1", 0, 4),
                at(5, "region2/zone3", 1, 1));
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, eps);
        c.outlier().putHttpStatus(c.hosts().get(0), 503);
        // 3 of 4 healthy: 1.4 x 75 % >= 100 %, so nothing spills.
        assertThat(spread(c, 1000, OptionalLong.empty())).containsOnlyKeys("region1.zone1");

        c.outlier().putHttpStatus(c.hosts().get(1), 503);
        // 2 of 4: health 70, so 70 % stays and 30 % goes to priority 1.
        Map<String, Integer> s = spread(c, 10_000, OptionalLong.empty());
        assertThat(s.get("region1.zone1") / 10_000.0).isCloseTo(0.70, within(0.02));
        assertThat(s.get("region2.zone3") / 10_000.0).isCloseTo(0.30, within(0.02));
        assertThat(PrioritySet.of(c.hosts(), false).loads()).containsExactly(70, 30);
    }

    @Test
    void localityWeightsSplitAPriorityAsDistributeSays() {
        List<EndpointSpec> eps =
                List.of(at(1, "region1/zone1", 0, 70), at(2, "region1/zone2", 0, 20), at(3, "region3/zone4", 0, 10));
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, true, eps);
        Map<String, Integer> s = spread(c, 10_000, OptionalLong.empty());
        assertThat(s.get("region1.zone1") / 10_000.0).isCloseTo(0.70, within(0.02));
        assertThat(s.get("region1.zone2") / 10_000.0).isCloseTo(0.20, within(0.02));
        assertThat(s.get("region3.zone4") / 10_000.0).isCloseTo(0.10, within(0.02));

        // Without locality_weighted_lb_config the weights do not matter: round robin over the three.
        UpstreamCluster flat = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, eps);
        assertThat(spread(flat, 300, OptionalLong.empty()).values()).containsOnly(100);
    }

    @Test
    void balancersStillWorkInsideAPriority() {
        List<EndpointSpec> eps = List.of(
                at(1, "region1/zone1", 0, 2),
                at(2, "region1/zone1", 0, 2),
                at(3, "region2/zone3", 1, 1),
                at(4, "region2/zone3", 1, 1));
        for (ClusterSpec.LbPolicy policy : List.of(
                ClusterSpec.LbPolicy.ROUND_ROBIN, ClusterSpec.LbPolicy.LEAST_REQUEST, ClusterSpec.LbPolicy.RANDOM)) {
            UpstreamCluster c = cluster(policy, false, eps);
            Random random = new Random(3);
            Set<String> hosts = new java.util.TreeSet<>();
            for (int i = 0; i < 100; i++) {
                hosts.add(c.pick(random, Set.of(), 1).hostPort());
            }
            assertThat(hosts).as(policy.name()).containsExactly("127.0.0.161:5000", "127.0.0.162:5000");
        }
        UpstreamCluster ring = cluster(ClusterSpec.LbPolicy.RING_HASH, false, eps);
        OptionalLong key = OptionalLong.of(42);
        Host first = ring.pick(new Random(1), key, Set.of(), 1);
        assertThat(first.spec().locality().priority()).isZero();
        for (int i = 0; i < 20; i++) {
            assertThat(ring.pick(new Random(i), key, Set.of(), 1)).isSameAs(first);
        }
        ring.outlier().putHttpStatus(ring.hosts().get(0), 503);
        ring.outlier().putHttpStatus(ring.hosts().get(1), 503);
        Host failover = ring.pick(new Random(1), key, Set.of(), 1);
        assertThat(failover.spec().locality().priority()).isEqualTo(1);
        for (int i = 0; i < 20; i++) {
            assertThat(ring.pick(new Random(i), key, Set.of(), 1)).isSameAs(failover);
        }
    }

    @Test
    void hostsWithoutLocalitiesNeedNoPrioritySet() {
        UpstreamCluster c = cluster(
                ClusterSpec.LbPolicy.ROUND_ROBIN,
                true,
                List.of(
                        EndpointSpec.healthy(new InetSocketAddress("127.0.0.161", 5000)),
                        EndpointSpec.healthy(new InetSocketAddress("127.0.0.162", 5000))));
        assertThat(PrioritySet.needed(c.hosts(), true)).isFalse();
        c.pick(new Random(1), Set.of(), 1);
        assertThat(c.outlier().select(c.hosts(), c.healthyHosts(), 0, true).priorities())
                .isNull();
    }

    /** {@code n} endpoints in one locality at one priority, numbered from {@code first}. */
    private static List<EndpointSpec> level(int first, int n, String locality, int priority) {
        List<EndpointSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(at(first + i, locality, priority, 1));
        }
        return out;
    }

    private static void eject(UpstreamCluster c, int priority, int count) {
        c.hosts().stream()
                .filter(h -> h.spec().locality().priority() == priority)
                .limit(count)
                .forEach(h -> c.outlier().putHttpStatus(h, 503));
    }

    private static long panics(UpstreamCluster c) {
        return c.statsSnapshot().get("lb_healthy_panic");
    }

    @Test
    void panicIsPerPriorityWhileTheTotalHealthIsBelowOneHundred() {
        List<EndpointSpec> eps = new ArrayList<>(level(1, 2, "region1/zone1", 0));
        eps.addAll(level(10, 10, "region2/zone3", 1));
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, 50, eps);
        eject(c, 0, 1); // P0 50 % healthy: health 70, not below the threshold
        eject(c, 1, 9); // P1 10 % healthy: health 14, in panic; normalized total 84
        PrioritySet set = PrioritySet.of(c.hosts(), false, 50);
        assertThat(set.loads()).containsExactly(84, 16);
        assertThat(set.normalizedHealth()).isEqualTo(84);

        Random random = new Random(11);
        Set<String> p0 = new java.util.TreeSet<>();
        Set<String> p1 = new java.util.TreeSet<>();
        int toP1 = 0;
        for (int i = 0; i < 10_000; i++) {
            Host h = c.pick(random, Set.of(), 1);
            if (h.spec().locality().priority() == 0) {
                p0.add(h.hostPort());
            } else {
                p1.add(h.hostPort());
                toP1++;
            }
        }
        // P0 keeps to its healthy host; P1's share goes over all ten of its hosts, ejected or not, as Envoy's panic.
        assertThat(p0).containsExactly("127.0.0.162:5000");
        assertThat(p1).hasSize(10);
        assertThat(toP1 / 10_000.0).isCloseTo(0.16, within(0.02));
        assertThat(panics(c)).isEqualTo(toP1);
    }

    @Test
    void whenEveryPriorityIsInPanicEachTakesItsShareOfAllHosts() {
        List<EndpointSpec> eps = new ArrayList<>(level(1, 4, "region1/zone1", 0));
        eps.addAll(level(10, 1, "region2/zone3", 1));
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, 50, eps);
        eject(c, 0, 4);
        eject(c, 1, 1);
        assertThat(PrioritySet.of(c.hosts(), false, 50).loads()).containsExactly(80, 20);
        Map<String, Integer> s = spread(c, 10_000, OptionalLong.empty());
        assertThat(s.get("region1.zone1") / 10_000.0).isCloseTo(0.80, within(0.02));
        assertThat(s.get("region2.zone3") / 10_000.0).isCloseTo(0.20, within(0.02));
        assertThat(panics(c)).isEqualTo(10_000);
    }

    @Test
    void noPriorityPanicsWhileTheTotalHealthIsOneHundred() {
        List<EndpointSpec> eps = new ArrayList<>(level(1, 10, "region1/zone1", 0));
        eps.addAll(level(20, 1, "region2/zone3", 1));
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, 50, eps);
        eject(c, 0, 8); // P0 20 % healthy (health 28), below the threshold, but P1 makes the total 100
        assertThat(PrioritySet.of(c.hosts(), false, 50).loads()).containsExactly(28, 72);
        Random random = new Random(5);
        for (int i = 0; i < 1000; i++) {
            assertThat(c.pick(random, Set.of(), 1).ejected()).isFalse();
        }
        assertThat(panics(c)).isZero();
    }

    @Test
    void withPanicDisabledNoHealthyHostMeansNoHost() {
        UpstreamCluster c = cluster(ClusterSpec.LbPolicy.ROUND_ROBIN, false, 0, TASK);
        for (int p = 0; p < 4; p++) {
            eject(c, p, 1);
        }
        assertThat(c.pick(new Random(1), Set.of(), 1)).isNull();
        assertThat(panics(c)).isZero();
    }
}
