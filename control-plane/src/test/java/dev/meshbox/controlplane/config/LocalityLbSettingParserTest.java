package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code loadBalancer.localityLbSetting} read and checked as Istio's {@code ValidateLocalityLbSetting} does. */
class LocalityLbSettingParserTest {

    private final IstioParser parser = new IstioParser();

    private static String dr(String setting) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: helloworld}
                spec:
                  host: helloworld.sample.svc.cluster.local
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m}
                    loadBalancer:
                      simple: ROUND_ROBIN
                      localityLbSetting:
                """ + setting.indent(8);
    }

    private static DestinationRule.LocalityLbSetting setting(ParseResult r) {
        assertThat(r.problems()).isEmpty();
        DestinationRule d = (DestinationRule) r.resources().get(0);
        return d.trafficPolicy()
                .orElseThrow()
                .loadBalancer()
                .orElseThrow()
                .localityLbSetting()
                .orElseThrow();
    }

    @Test
    void theFailoverTasksSettingReads() {
        var s = setting(parser.parse("dr.yaml", dr("enabled: true\nfailover: [{from: region1, to: region2}]")));
        assertThat(s.enabled()).contains(true);
        assertThat(s.failover()).containsExactly(new DestinationRule.Failover("region1", "region2"));
        assertThat(s.disabled()).isFalse();
    }

    @Test
    void theDistributeTasksSettingReadsInOrder() {
        var s = setting(parser.parse("dr.yaml", dr("""
                        enabled: true
                        distribute:
                        - from: region1/zone1/*
                          to: {"region1/zone1/*": 70, "region1/zone2/*": 20, "region3/zone4/*": 10}
                        """)));
        assertThat(s.distribute()).hasSize(1);
        assertThat(s.distribute().get(0).from()).isEqualTo("region1/zone1/*");
        assertThat(s.distribute().get(0).to())
                .containsExactly(
                        Map.entry("region1/zone1/*", 70),
                        Map.entry("region1/zone2/*", 20),
                        Map.entry("region3/zone4/*", 10));
    }

    @Test
    void failoverPriorityAndDisabledRead() {
        var s = setting(parser.parse(
                "dr.yaml", dr("enabled: false\nfailoverPriority: [topology.istio.io/network, \"version=v1\"]")));
        assertThat(s.enabled()).isEqualTo(Optional.of(false));
        assertThat(s.disabled()).isTrue();
        assertThat(s.failoverPriority()).containsExactly("topology.istio.io/network", "version=v1");
    }

    static Stream<Arguments> invalid() {
        String at = "spec.trafficPolicy.loadBalancer.localityLbSetting";
        return Stream.of(
                Arguments.of(
                        "distribute: [{from: region1/*, to: {region1/*: 100}}]\nfailover: [{from: region1, to: region2}]",
                        at,
                        "can not simultaneously specify 'distribute' and 'failover'"),
                Arguments.of(
                        "distribute: [{from: region1/*, to: {region1/*: 60, region2/*: 30}}]",
                        at + ".distribute[0].to",
                        "total locality weight 90 != 100"),
                Arguments.of(
                        "distribute: [{from: region1/*, to: {region1/*: 0, region2/*: 100}}]",
                        at + ".distribute[0].to.region1/*",
                        "locality weight must be in range [1, 100]"),
                Arguments.of(
                        "distribute: [{from: region1/*, to: {\"*/zone1\": 100}}]",
                        at + ".distribute[0].to",
                        "locality */zone1 wildcard '*' number can not exceed 1 and must be in the end"),
                Arguments.of(
                        "distribute: [{from: region1/*, to: {region1/*: 50, region1/zone1: 50}}]",
                        at + ".distribute[0].to",
                        "locality region1/zone1 overlap with previous specified ones"),
                Arguments.of(
                        "distribute: [{from: region1//a, to: {region1/*: 100}}]",
                        at + ".distribute",
                        "locality region1//a must not contain empty region/zone/subzone info"),
                Arguments.of(
                        "failover: [{from: region1, to: region1}]",
                        at + ".failover[0]",
                        "locality lb failover settings must specify different regions"),
                Arguments.of(
                        "failover: [{from: region1/zone1, to: region2}]",
                        at + ".failover[0]",
                        "locality lb failover only specify region"),
                Arguments.of(
                        "failover: [{from: region1, to: \"region*\"}]",
                        at + ".failover[0]",
                        "locality lb failover region should not contain '*' wildcard"),
                Arguments.of(
                        "failover: [{from: region1, to: region2}]\nfailoverPriority: [topology.kubernetes.io/zone]",
                        at + ".failoverPriority",
                        "can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/zone' in"
                                + " 'failover_priority'"),
                Arguments.of(
                        "distrbute: []",
                        at + ".distrbute",
                        "unknown field; expected one of distribute, enabled," + " failover, failoverPriority"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("invalid")
    void badSettingsAreRefusedNamingTheField(String setting, String field, String message) {
        ParseResult r = parser.parse("dr.yaml", dr(setting));
        assertThat(r.problems())
                .extracting(ConfigProblem::field, ConfigProblem::message)
                .contains(org.assertj.core.groups.Tuple.tuple(field, message));
        assertThat(r.problems()).allSatisfy(p -> assertThat(p.source()).isEqualTo("dr.yaml"));
        assertThat(r.problems().get(0).resource()).contains("helloworld");
        assertThat(List.copyOf(r.problems())).isNotEmpty();
    }
}
