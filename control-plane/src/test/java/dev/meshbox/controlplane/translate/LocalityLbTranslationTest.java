package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Istio's locality load balancing task on one multi-zone cluster: EDS localities, priorities and weights per caller. */
class LocalityLbTranslationTest {

    private static final String CLUSTER = "outbound|5000||helloworld.sample.svc.cluster.local";
    private static final Pod SLEEP = pod("sleep", "sleep", "region1/zone1", 1);
    private static final Pod SLEEP_REGION3 = pod("sleep-r3", "sleep", "region3/zone4", 9);

    private static Pod pod(String name, String app, String locality, int n) {
        String[] l = locality.split("/");
        Map<String, String> labels = new HashMap<>(
                Map.of("app", app, "topology.kubernetes.io/region", l[0], "topology.kubernetes.io/zone", l[1]));
        if (l.length > 2) {
            labels.put("topology.istio.io/subzone", l[2]);
        }
        return new Pod(name, "sample", "127.11.0." + n, "127.21.0." + n, labels, Pod.ProxyKind.SIDECAR, true);
    }

    private static MeshView view(String... yamls) {
        ServiceRegistry r = new ServiceRegistry();
        r.putService(
                new MeshService("helloworld", "sample", List.of(ServicePort.http(5000)), Map.of("app", "helloworld")));
        r.putService(new MeshService("sleep", "sample", List.of(ServicePort.http(80)), Map.of("app", "sleep")));
        r.putPod(SLEEP);
        r.putPod(SLEEP_REGION3);
        r.putPod(pod("helloworld-region1.zone1", "helloworld", "region1/zone1", 2));
        r.putPod(pod("helloworld-region1.zone2", "helloworld", "region1/zone2", 3));
        r.putPod(pod("helloworld-region2.zone3", "helloworld", "region2/zone3", 4));
        r.putPod(pod("helloworld-region3.zone4", "helloworld", "region3/zone4", 5));
        ConfigStore store = new ConfigStore();
        for (String y : yamls) {
            var result = store.apply("dr.yaml", y);
            assertThat(result.problems()).isEmpty();
        }
        return new MeshView(store.snapshot(), r.snapshot());
    }

    private static String dr(String trafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: helloworld, namespace: sample}
                spec:
                  host: helloworld.sample.svc.cluster.local
                  trafficPolicy:
                """ + trafficPolicy.indent(4);
    }

    private static final String OUTLIER =
            "outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m}\n";

    private static ClusterLoadAssignment cla(XdsResources r) {
        return r.endpoints().stream()
                .filter(c -> c.getClusterName().equals(CLUSTER))
                .findFirst()
                .orElseThrow();
    }

    /** Locality name to priority. */
    private static Map<String, Integer> priorities(ClusterLoadAssignment cla) {
        Map<String, Integer> out = new TreeMap<>();
        for (LocalityLbEndpoints l : cla.getEndpointsList()) {
            out.put(l.getLocality().getRegion() + "." + l.getLocality().getZone(), l.getPriority());
        }
        return out;
    }

    private static Map<String, Integer> weights(ClusterLoadAssignment cla) {
        Map<String, Integer> out = new TreeMap<>();
        for (LocalityLbEndpoints l : cla.getEndpointsList()) {
            if (l.getLbEndpointsCount() > 0) {
                out.put(
                        l.getLocality().getRegion() + "." + l.getLocality().getZone(),
                        l.getLoadBalancingWeight().getValue());
            }
        }
        return out;
    }

    @Test
    void endpointsAreGroupedByThePodsLocalityAllAtPriorityZeroWithoutOutlierDetection() {
        ClusterLoadAssignment cla = cla(Translator.translate(view(), SLEEP));
        assertThat(cla.getEndpointsList())
                .extracting(l -> l.getLocality().getRegion() + "/"
                        + l.getLocality().getZone() + ":" + l.getLbEndpointsCount() + "@" + l.getPriority())
                .containsExactly("region1/zone1:1@0", "region1/zone2:1@0", "region2/zone3:1@0", "region3/zone4:1@0");
        assertThat(cla.getEndpoints(0)
                        .getLbEndpoints(0)
                        .getEndpoint()
                        .getAddress()
                        .getSocketAddress()
                        .getAddress())
                .isEqualTo("127.11.0.2");
    }

    @Test
    void outlierDetectionAloneFailsOverInIstiosOrderRelativeToTheCaller() {
        MeshView v = view(dr(OUTLIER));
        assertThat(priorities(cla(Translator.translate(v, SLEEP))))
                .containsExactlyEntriesOf(new TreeMap<>(
                        Map.of("region1.zone1", 0, "region1.zone2", 1, "region2.zone3", 2, "region3.zone4", 2)));
        assertThat(priorities(cla(Translator.translate(v, SLEEP_REGION3))))
                .containsExactlyEntriesOf(new TreeMap<>(
                        Map.of("region1.zone1", 1, "region1.zone2", 1, "region2.zone3", 1, "region3.zone4", 0)));
    }

    @Test
    void theFailoverTaskPutsTheFailoverRegionBeforeTheOthers() {
        MeshView v = view(dr(OUTLIER + """
                connectionPool: {http: {maxRequestsPerConnection: 1}}
                loadBalancer:
                  simple: ROUND_ROBIN
                  localityLbSetting:
                    enabled: true
                    failover: [{from: region1, to: region2}]
                """));
        assertThat(priorities(cla(Translator.translate(v, SLEEP))))
                .containsExactlyEntriesOf(new TreeMap<>(
                        Map.of("region1.zone1", 0, "region1.zone2", 1, "region2.zone3", 2, "region3.zone4", 3)));
        // The failover entry is from region1: a caller in region3 keeps the default order.
        assertThat(priorities(cla(Translator.translate(v, SLEEP_REGION3))).get("region3.zone4"))
                .isZero();
    }

    @Test
    void withoutOutlierDetectionFailoverIsNotApplied() {
        MeshView v = view(
                dr("loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: region1, to: region2}]}}"));
        assertThat(priorities(cla(Translator.translate(v, SLEEP))).values()).containsOnly(0);
    }

    @Test
    void disabledLocalityLbLeavesTheEndpointsAlone() {
        MeshView v = view(dr(OUTLIER + "loadBalancer: {localityLbSetting: {enabled: false}}"));
        assertThat(priorities(cla(Translator.translate(v, SLEEP))).values()).containsOnly(0);
    }

    @Test
    void theDistributeTaskWeightsLocalitiesAndDropsTheOthers() {
        MeshView v = view(dr(OUTLIER + """
                loadBalancer:
                  localityLbSetting:
                    enabled: true
                    distribute:
                    - from: region1/zone1/*
                      to: {"region1/zone1/*": 70, "region1/zone2/*": 20, "region3/zone4/*": 10}
                """));
        XdsResources r = Translator.translate(v, SLEEP);
        assertThat(weights(cla(r)))
                .containsExactlyEntriesOf(
                        new TreeMap<>(Map.of("region1.zone1", 70, "region1.zone2", 20, "region3.zone4", 10)));
        assertThat(priorities(cla(r)).values()).containsOnly(0);
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals(CLUSTER))
                .findFirst()
                .orElseThrow();
        assertThat(c.getCommonLbConfig().hasLocalityWeightedLbConfig()).isTrue();
        // A caller the entry's from does not match gets the localities' own weights (one endpoint each).
        assertThat(weights(cla(Translator.translate(v, SLEEP_REGION3))).values())
                .containsOnly(1);
    }

    @Test
    void failoverPriorityOrdersByTheLabelsSharedWithTheCaller() {
        MeshView v = view(dr(OUTLIER + """
                loadBalancer:
                  localityLbSetting:
                    failoverPriority: [topology.kubernetes.io/region, topology.kubernetes.io/zone]
                """));
        assertThat(priorities(cla(Translator.translate(v, SLEEP))))
                .containsExactlyEntriesOf(new TreeMap<>(
                        Map.of("region1.zone1", 0, "region1.zone2", 1, "region2.zone3", 2, "region3.zone4", 2)));
    }

    @Test
    void proxiesInTheSameLocalityShareOneEndpointList() {
        MeshView v = view(dr(OUTLIER));
        Pod other = pod("sleep-2", "sleep", "region1/zone1", 10);
        List<XdsResources> all = Translator.translateAll(v, List.of(SLEEP, other, SLEEP_REGION3));
        assertThat(all.get(0).endpoints()).isSameAs(all.get(1).endpoints());
        assertThat(all.get(0).endpoints()).isNotSameAs(all.get(2).endpoints());
    }

    @Test
    void aMeshWithoutLocalitiesGetsTheSameAssignmentsWithOutlierDetection() {
        String outlier = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m}
                """;
        XdsResources with = Translator.translate(BookinfoFixture.view(outlier), BookinfoFixture.PRODUCTPAGE);
        XdsResources without = Translator.translate(BookinfoFixture.view(), BookinfoFixture.PRODUCTPAGE);
        assertThat(with.endpoints()).isEqualTo(without.endpoints());
        ClusterLoadAssignment reviews = with.endpoints().stream()
                .filter(c -> c.getClusterName().equals("outbound|9080||reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(reviews.getEndpointsCount()).isEqualTo(1);
        assertThat(reviews.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(1);
        assertThat(reviews.getEndpoints(0).getLbEndpointsCount()).isEqualTo(3);
    }
}
