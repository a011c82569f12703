package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import dev.meshbox.controlplane.config.MeshLocalityLb;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.MeshConfigYaml;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The mesh config's {@code localityLbSetting} (Istio's {@code GetLocalityLbSetting}): the default of every
 * DestinationRule that sets none; a DestinationRule's own setting wins; {@code enabled: false} switches it off.
 */
class MeshLocalityLbTranslationTest {

    private static final String CLUSTER = "outbound|5000||helloworld.sample.svc.cluster.local";
    private static final Pod SLEEP = pod("sleep", "sleep", "region1/zone1", 1);

    private static final String OUTLIER =
            "outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m}\n";

    private static Pod pod(String name, String app, String locality, int n) {
        String[] l = locality.split("/");
        Map<String, String> labels = new HashMap<>(
                Map.of("app", app, "topology.kubernetes.io/region", l[0], "topology.kubernetes.io/zone", l[1]));
        return new Pod(name, "sample", "127.11.0." + n, "127.21.0." + n, labels, Pod.ProxyKind.SIDECAR, true);
    }

    private static LocalityLbSetting mesh(String yaml) {
        return MeshConfigFile.read("mesh.yaml", yaml).localityLbSetting();
    }

    private static MeshView view(LocalityLbSetting mesh, String... yamls) {
        ServiceRegistry r = new ServiceRegistry();
        r.putService(new MeshService(
                "helloworld", "sample", java.util.List.of(ServicePort.http(5000)), Map.of("app", "helloworld")));
        r.putService(
                new MeshService("sleep", "sample", java.util.List.of(ServicePort.http(80)), Map.of("app", "sleep")));
        r.putPod(SLEEP);
        r.putPod(pod("helloworld-region1.zone1", "helloworld", "region1/zone1", 2));
        r.putPod(pod("helloworld-region1.zone2", "helloworld", "region1/zone2", 3));
        r.putPod(pod("helloworld-region2.zone3", "helloworld", "region2/zone3", 4));
        r.putPod(pod("helloworld-region3.zone4", "helloworld", "region3/zone4", 5));
        ConfigStore store = new ConfigStore();
        for (String y : yamls) {
            assertThat(store.apply("dr.yaml", y).problems()).isEmpty();
        }
        return new MeshView(
                store.snapshot(), r.snapshot(), MeshView.MeshSecurity.PLAINTEXT.withLocalityLbSetting(mesh));
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

    private static ClusterLoadAssignment cla(MeshView v) {
        return Translator.translate(v, SLEEP).endpoints().stream()
                .filter(c -> c.getClusterName().equals(CLUSTER))
                .findFirst()
                .orElseThrow();
    }

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

    private static final String MESH_FAILOVER = """
            localityLbSetting:
              enabled: true
              failover: [{from: region1, to: region3}]
            """;

    @Test
    void theMeshFailoverAppliesToADestinationRuleWithOutlierDetectionButNoSetting() {
        assertThat(priorities(cla(view(mesh(MESH_FAILOVER), dr(OUTLIER)))))
                .containsExactlyEntriesOf(new TreeMap<>(
                        Map.of("region1.zone1", 0, "region1.zone2", 1, "region3.zone4", 2, "region2.zone3", 3)));
        // Istio's default mesh config: failover by proximity only.
        assertThat(priorities(cla(view(MeshLocalityLb.DEFAULT, dr(OUTLIER)))).get("region2.zone3"))
                .isEqualTo(2);
    }

    @Test
    void aDestinationRulesOwnSettingWinsOverTheMeshs() {
        MeshView v = view(
                mesh(MESH_FAILOVER),
                dr(OUTLIER + "loadBalancer: {localityLbSetting: {failover: [{from: region1, to: region2}]}}"));
        assertThat(priorities(cla(v)).get("region2.zone3")).isEqualTo(2);
        assertThat(priorities(cla(v)).get("region3.zone4")).isEqualTo(3);
    }

    @Test
    void theMeshsEnabledFalseSwitchesLocalityLbOffUnlessADestinationRuleSetsIt() {
        LocalityLbSetting off = mesh("localityLbSetting: {enabled: false}");
        assertThat(priorities(cla(view(off, dr(OUTLIER)))).values()).containsOnly(0);
        MeshView own = view(
                off, dr(OUTLIER + "loadBalancer: {localityLbSetting: {failover: [{from: region1, to: region3}]}}"));
        assertThat(priorities(cla(own)).get("region3.zone4")).isEqualTo(2);
    }

    @Test
    void aDestinationRulesEnabledFalseSwitchesOffTheMeshSetting() {
        MeshView v = view(mesh(MESH_FAILOVER), dr(OUTLIER + "loadBalancer: {localityLbSetting: {enabled: false}}"));
        assertThat(priorities(cla(v)).values()).containsOnly(0);
    }

    @Test
    void theMeshDistributeWeightsServicesWithoutAnyDestinationRule() {
        MeshView v = view(mesh("""
                localityLbSetting:
                  distribute:
                  - from: region1/zone1/*
                    to: {"region1/zone1/*": 80, "region2/*": 20}
                """));
        assertThat(weights(cla(v)))
                .containsExactlyEntriesOf(new TreeMap<>(Map.of("region1.zone1", 80, "region2.zone3", 20)));
        Cluster c = Translator.translate(v, SLEEP).clusters().stream()
                .filter(x -> x.getName().equals(CLUSTER))
                .findFirst()
                .orElseThrow();
        assertThat(c.getCommonLbConfig().hasLocalityWeightedLbConfig()).isTrue();
    }

    @Test
    void withoutOutlierDetectionTheMeshFailoverChangesNothing() {
        assertThat(priorities(cla(view(mesh(MESH_FAILOVER)))).values()).containsOnly(0);
    }

    @Test
    void aBadMeshSettingIsRefusedNamingFileAndField() {
        assertThatThrownBy(() -> mesh("""
                        localityLbSetting:
                          distribute:
                          - from: region1/*
                            to: {"region1/*": 60, "region2/*": 30}
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mesh.yaml: localityLbSetting.distribute[0].to: total locality weight 90 != 100");
        assertThatThrownBy(() -> mesh("localityLbSetting: {failover: [{from: region1, to: region1}]}"))
                .hasMessageContaining("mesh.yaml: localityLbSetting.failover[0]: locality lb failover settings must"
                        + " specify different regions");
    }

    @Test
    void theSettingTravelsInTheMeshConfigYamlAContainerReads() {
        MeshConfigFile.Settings s = MeshConfigFile.read("mesh.yaml", MESH_FAILOVER);
        assertThat(MeshConfigFile.read("again", MeshConfigYaml.write(s)).localityLbSetting())
                .isEqualTo(s.localityLbSetting());
        assertThat(MeshConfigYaml.write(MeshConfigFile.Settings.DEFAULTS)).isEqualTo("{}\n");
    }

    @Test
    void failoverWithoutOutlierDetectionIsAcceptedWithIstiosWarning() {
        MeshView v = view(
                MeshLocalityLb.DEFAULT,
                dr("loadBalancer: {localityLbSetting: {failover: [{from: region1, to: region2}]}}"),
                """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: sleep, namespace: sample}
                spec:
                  host: sleep.sample.svc.cluster.local
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1}
                    loadBalancer: {localityLbSetting: {failoverPriority: [topology.kubernetes.io/region]}}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                    trafficPolicy:
                      loadBalancer: {localityLbSetting: {failoverPriority: [topology.kubernetes.io/zone]}}
                """);
        assertThat(Translator.translate(v, SLEEP).warnings())
                .contains(
                        "DestinationRule sample/helloworld: spec.trafficPolicy.loadBalancer.localityLbSetting:"
                                + " outlier detection policy must be provided for failover",
                        "DestinationRule sample/sleep: spec.subsets[0].trafficPolicy.loadBalancer.localityLbSetting:"
                                + " outlier detection policy must be provided for failover")
                .noneMatch(w -> w.startsWith("DestinationRule sample/sleep: spec.trafficPolicy"));
    }
}
