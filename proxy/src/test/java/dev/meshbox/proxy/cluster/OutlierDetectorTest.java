package dev.meshbox.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.SocketTransport;
import dev.meshbox.proxy.spec.ClusterConverter;
import dev.meshbox.proxy.spec.ClusterSpec;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.testing.FakeTicker;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Outlier ejection as a state machine: counting, ejected, back at an interval tick; driven by a fake ticker. */
class OutlierDetectorTest {

    private final FakeTicker ticker = new FakeTicker();
    private final ClusterCatalog catalog = new ClusterCatalog(
            new SocketTransport(NioSocketChannel.class, null, 1024), ticker, new SplittableRandom(1));

    @AfterEach
    void close() {
        catalog.close();
    }

    private static ClusterSpec.OutlierSpec outlier(int consecutive5xx, int maxEjectionPercent) {
        var d = ClusterSpec.OutlierSpec.ENVOY_DEFAULTS;
        return new ClusterSpec.OutlierSpec(
                consecutive5xx,
                100,
                5,
                0,
                false,
                5,
                100,
                Duration.ofSeconds(1),
                Duration.ofMinutes(3),
                d.maxEjectionTime(),
                maxEjectionPercent,
                false);
    }

    private int clusters;

    /** A fresh cluster each time (a new name, so no detector state carries over). */
    private UpstreamCluster cluster(ClusterSpec.OutlierSpec outlier, double panicThreshold, int hosts) {
        String name = "c" + (++clusters);
        ClusterSpec spec = ClusterSpec.eds(name, ClusterSpec.LbPolicy.ROUND_ROBIN)
                .withOutlier(outlier, new ClusterSpec.LbOptions(panicThreshold, 1024, 8 << 20));
        List<EndpointSpec> endpoints = IntStream.rangeClosed(1, hosts)
                .mapToObj(i -> EndpointSpec.healthy(new InetSocketAddress("127.0.0." + (160 + i), 9080)))
                .toList();
        return catalog.rebuild(Map.of(name, spec), Map.of(name, endpoints)).get(name);
    }

    private static Set<String> picked(UpstreamCluster c, int n) {
        Random random = new Random(5);
        return IntStream.range(0, n)
                .mapToObj(i -> c.pick(random, Set.of(), 1).hostPort())
                .collect(Collectors.toSet());
    }

    @Test
    void oneFiveHundredEjectsTheHostUntilTheBaseEjectionTimeHasPassed() {
        UpstreamCluster c = cluster(outlier(1, 100), 50, 3);
        Host bad = c.hosts().get(0);
        c.outlier().putHttpStatus(bad, 500);

        assertThat(bad.ejected()).isTrue();
        assertThat(picked(c, 30)).doesNotContain(bad.hostPort()).hasSize(2);
        assertThat(c.stats().ejectionsEnforcedConsecutive5xx.sum()).isEqualTo(1);
        assertThat(c.statsSnapshot())
                .containsEntry("outlier_detection.ejections_active", 1L)
                .containsEntry("outlier_detection.ejections_enforced_total", 1L);

        ticker.advance(Duration.ofSeconds(179));
        assertThat(picked(c, 30)).doesNotContain(bad.hostPort());
        ticker.advance(Duration.ofSeconds(2));
        assertThat(picked(c, 30)).contains(bad.hostPort()).hasSize(3);
        assertThat(c.outlier().ejectionsActive()).isZero();
    }

    @Test
    void aSecondEjectionLastsTwiceAsLong() {
        UpstreamCluster c = cluster(outlier(1, 100), 50, 3);
        Host bad = c.hosts().get(0);
        c.outlier().putHttpStatus(bad, 503);
        // Back at the tick 3 min later; failing again before the next tick doubles the ejection.
        ticker.advance(Duration.ofSeconds(180));
        c.outlier().maybeTick();
        assertThat(bad.ejected()).isFalse();

        c.outlier().putHttpStatus(bad, 500);
        ticker.advance(Duration.ofSeconds(181));
        c.outlier().maybeTick();
        assertThat(bad.ejected()).isTrue();
        ticker.advance(Duration.ofSeconds(180));
        c.outlier().maybeTick();
        assertThat(bad.ejected()).isFalse();
    }

    @Test
    void successesResetTheConsecutiveCount() {
        UpstreamCluster c = cluster(outlier(3, 100), 50, 3);
        Host host = c.hosts().get(1);
        c.outlier().putHttpStatus(host, 500);
        c.outlier().putHttpStatus(host, 500);
        c.outlier().putHttpStatus(host, 200);
        c.outlier().putHttpStatus(host, 500);
        c.outlier().putHttpStatus(host, 500);
        assertThat(host.ejected()).isFalse();
        c.outlier().putHttpStatus(host, 500);
        assertThat(host.ejected()).isTrue();
    }

    @Test
    void localOriginFailuresCountAsGatewayErrorsByDefault() {
        var spec = new ClusterSpec.OutlierSpec(
                5,
                100,
                2,
                100,
                false,
                5,
                100,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(300),
                100,
                false);
        UpstreamCluster c = cluster(spec, 50, 3);
        Host host = c.hosts().get(2);
        c.outlier().putLocalOrigin(host, OutlierDetector.LocalOrigin.CONNECT_FAILED);
        c.outlier().putLocalOrigin(host, OutlierDetector.LocalOrigin.TIMEOUT);
        assertThat(host.ejected()).isTrue();
        assertThat(c.stats().ejectionsEnforcedConsecutiveGatewayFailure.sum()).isEqualTo(1);
    }

    @Test
    void maxEjectionPercentCapsEjectionsAndCountsOverflow() {
        // 34 %: one host of three (33 %) may go, a second (67 %) may not.
        UpstreamCluster c = cluster(outlier(1, 34), 0, 3);
        c.outlier().putHttpStatus(c.hosts().get(0), 500);
        c.outlier().putHttpStatus(c.hosts().get(1), 500);
        assertThat(c.hosts().get(0).ejected()).isTrue();
        assertThat(c.hosts().get(1).ejected()).isFalse();
        assertThat(c.stats().ejectionsOverflow.sum()).isEqualTo(1);

        // 10 % of three hosts allows none: Envoy enforces the percentage strictly (unless always_eject_one_host).
        UpstreamCluster strict = cluster(outlier(1, 10), 0, 3);
        strict.outlier().putHttpStatus(strict.hosts().get(0), 500);
        assertThat(strict.hosts().get(0).ejected()).isFalse();
    }

    @Test
    void belowThePanicThresholdEveryHostGetsTraffic() {
        UpstreamCluster c = cluster(outlier(1, 100), 50, 3);
        c.outlier().putHttpStatus(c.hosts().get(0), 500);
        c.outlier().putHttpStatus(c.hosts().get(1), 500);
        // One healthy host of three is 33 %, below 50 %: panic, balance over all three.
        assertThat(picked(c, 30)).hasSize(3);
        assertThat(c.stats().lbHealthyPanic.sum()).isPositive();

        UpstreamCluster noPanic = cluster(outlier(1, 100), 0, 3);
        noPanic.outlier().putHttpStatus(noPanic.hosts().get(0), 500);
        noPanic.outlier().putHttpStatus(noPanic.hosts().get(1), 500);
        assertThat(picked(noPanic, 30)).containsExactly(noPanic.hosts().get(2).hostPort());
    }

    @Test
    void converterReadsIstioOutlierAndPanicSettings() {
        var proto = dev.meshbox.proxy.testing.Sidecars.withOutlier(
                        dev.meshbox.proxy.testing.XdsFixtures.edsCluster(
                                "x", io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN),
                        1,
                        1,
                        180,
                        100)
                .toBuilder()
                .setCommonLbConfig(io.envoyproxy.envoy.config.cluster.v3.Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(
                                io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
                .build();
        ClusterSpec spec = ClusterConverter.convert(proto);
        assertThat(spec.outlier().consecutive5xx()).isEqualTo(1);
        assertThat(spec.outlier().interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(spec.outlier().baseEjectionTime()).isEqualTo(Duration.ofMinutes(3));
        assertThat(spec.outlier().maxEjectionTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(spec.outlier().maxEjectionPercent()).isEqualTo(100);
        assertThat(spec.outlier().enforcingConsecutiveGatewayFailure()).isZero();
        assertThat(spec.lb().healthyPanicThreshold()).isZero();
    }
}
