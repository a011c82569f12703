package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DestinationRule {@code trafficPolicy.tls} as Istio's {@code applyUpstreamTLSSettings} writes it (BEYOND-TRAFFIC 1.2):
 * ISTIO_MUTUAL with the destination's SPIFFE identities, SIMPLE and MUTUAL naming the user's files, port-level and
 * subset overrides, and the webhook's refusals.
 */
class DestinationRuleTlsTranslationTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String HEADER = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
            """;

    private static XdsResources withRule(String yaml) {
        ConfigStore store = new ConfigStore();
        var result = store.apply("dr.yaml", yaml);
        assertThat(result.problems()).isEmpty();
        return Translator.translate(
                new MeshView(store.snapshot(), BookinfoFixture.registry().snapshot(), MeshView.MeshSecurity.AUTO_MTLS),
                BookinfoFixture.PRODUCTPAGE);
    }

    private static UpstreamTlsContext tls(XdsResources r, String cluster) throws Exception {
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals(cluster))
                .findFirst()
                .orElseThrow();
        assertThat(c.hasTransportSocket())
                .as(cluster + " has a transport socket")
                .isTrue();
        return c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    }

    private static List<String> exact(List<StringMatcher> matchers) {
        return matchers.stream().map(StringMatcher::getExact).toList();
    }

    private static List<String> reviewsIdentities() {
        return Stream.of(BookinfoFixture.REVIEWS_V1, BookinfoFixture.REVIEWS_V2, BookinfoFixture.REVIEWS_V3)
                .map(p -> p.spiffeId())
                .distinct()
                .sorted()
                .toList();
    }

    @Test
    void istioMutualChecksTheDestinationsServiceAccountsUnlessTheRuleNamesItsOwn() throws Exception {
        UpstreamTlsContext own = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL}
                """), REVIEWS);
        assertThat(exact(own.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getDefaultValidationContext()
                        .getMatchSubjectAltNamesList()))
                .isEqualTo(reviewsIdentities());
        assertThat(own.getSni()).isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");

        UpstreamTlsContext named = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls:
                      mode: ISTIO_MUTUAL
                      sni: reviews.internal
                      subjectAltNames: [spiffe://cluster.local/ns/default/sa/bookinfo-reviews-gw]
                """), REVIEWS);
        assertThat(named.getSni()).isEqualTo("reviews.internal");
        assertThat(exact(named.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getDefaultValidationContext()
                        .getMatchSubjectAltNamesList()))
                .containsExactly("spiffe://cluster.local/ns/default/sa/bookinfo-reviews-gw");
    }

    @Test
    void autoMtlsAlsoChecksTheDestinationsIdentities() throws Exception {
        XdsResources r = withRule(HEADER);
        Cluster c = r.clusters().stream()
                .filter(x -> x.getName().equals(REVIEWS))
                .findFirst()
                .orElseThrow();
        UpstreamTlsContext tls = c.getTransportSocketMatches(0)
                .getTransportSocket()
                .getTypedConfig()
                .unpack(UpstreamTlsContext.class);
        assertThat(exact(tls.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getDefaultValidationContext()
                        .getMatchSubjectAltNamesList()))
                .isEqualTo(reviewsIdentities());
    }

    @Test
    void simpleNamesTheCaFileTheSniAndTheServerNamesAndNoClientCertificate() throws Exception {
        CommonTlsContext common = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls:
                      mode: SIMPLE
                      caCertificates: /etc/certs/ca.pem
                      sni: reviews.example.com
                      subjectAltNames: [reviews.example.com]
                """), REVIEWS).getCommonTlsContext();

        assertThat(common.getTlsCertificatesCount()).isZero();
        assertThat(common.getTlsCertificateSdsSecretConfigsCount()).isZero();
        assertThat(common.getValidationContext().getTrustedCa().getFilename()).isEqualTo("/etc/certs/ca.pem");
        assertThat(exact(common.getValidationContext().getMatchSubjectAltNamesList()))
                .containsExactly("reviews.example.com");
        assertThat(common.getAlpnProtocolsList()).isEmpty();
        assertThat(tls(withRule(HEADER + """
                          trafficPolicy:
                            tls: {mode: SIMPLE, sni: reviews.example.com}
                        """), REVIEWS).getSni()).isEqualTo("reviews.example.com");
    }

    @Test
    void mutualAddsTheClientCertificateAndKeyFiles() throws Exception {
        CommonTlsContext common = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls:
                      mode: MUTUAL
                      clientCertificate: /etc/certs/client.pem
                      privateKey: /etc/certs/client-key.pem
                      caCertificates: /etc/certs/ca.pem
                """), REVIEWS).getCommonTlsContext();

        assertThat(common.getTlsCertificates(0).getCertificateChain().getFilename())
                .isEqualTo("/etc/certs/client.pem");
        assertThat(common.getTlsCertificates(0).getPrivateKey().getFilename()).isEqualTo("/etc/certs/client-key.pem");
        assertThat(common.getValidationContext().getTrustedCa().getFilename()).isEqualTo("/etc/certs/ca.pem");
    }

    @Test
    void withoutACaTheSystemCasAreTrustedUnlessVerificationIsSkipped() throws Exception {
        CommonTlsContext system = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls: {mode: SIMPLE}
                """), REVIEWS).getCommonTlsContext();
        assertThat(system.getValidationContext().getTrustedCa().getFilename()).isEqualTo(UserTls.SYSTEM_CA_BUNDLE);

        CommonTlsContext insecure = tls(withRule(HEADER + """
                  trafficPolicy:
                    tls: {mode: SIMPLE, insecureSkipVerify: true}
                """), REVIEWS).getCommonTlsContext();
        assertThat(insecure.hasValidationContext()).isFalse();
        assertThat(insecure.hasCombinedValidationContext()).isFalse();
    }

    @Test
    void portLevelTlsReplacesTheTopLevelOnItsPortAndSubsetsOverrideTheHost() throws Exception {
        XdsResources r = withRule(HEADER + """
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL}
                    portLevelSettings:
                    - port: {number: 9080}
                      tls: {mode: SIMPLE, sni: port-level.example.com}
                    - port: {number: 9999}
                      tls: {mode: DISABLE}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy:
                      tls: {mode: ISTIO_MUTUAL}
                  - name: v3
                    labels: {version: v3}
                    trafficPolicy:
                      portLevelSettings:
                      - port: {number: 9080}
                        tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}
                """);

        assertThat(tls(r, REVIEWS).getSni()).isEqualTo("port-level.example.com");
        assertThat(tls(r, "outbound|9080|v1|reviews.default.svc.cluster.local").getSni())
                .as("a subset without a policy takes the host's, port level included")
                .isEqualTo("port-level.example.com");
        assertThat(tls(r, "outbound|9080|v2|reviews.default.svc.cluster.local").getSni())
                .as("the subset's top level over the host's port level")
                .isEqualTo("outbound_.9080_.v2_.reviews.default.svc.cluster.local");
        assertThat(tls(r, "outbound|9080|v3|reviews.default.svc.cluster.local")
                        .getCommonTlsContext()
                        .getTlsCertificates(0)
                        .getCertificateChain()
                        .getFilename())
                .isEqualTo("/c.pem");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(
                        "tls: {mode: ISTIO_MUTUAL, caCertificates: /ca.pem}",
                        "spec.trafficPolicy.tls",
                        "cannot specify client certificates or CA certificate or credentialName If tls mode is"
                                + " ISTIO_MUTUAL"),
                Arguments.of(
                        "tls: {mode: MUTUAL, privateKey: /k.pem}",
                        "spec.trafficPolicy.tls.clientCertificate",
                        "client certificate required for mutual tls"),
                Arguments.of(
                        "tls: {mode: MUTUAL, clientCertificate: /c.pem}",
                        "spec.trafficPolicy.tls.privateKey",
                        "private key required for mutual tls"),
                Arguments.of(
                        "portLevelSettings: [{tls: {mode: SIMPLE}}]",
                        "spec.trafficPolicy.portLevelSettings[0].port",
                        "port must be specified"),
                Arguments.of("tls: {mode: STRICT}", "spec.trafficPolicy.tls.mode", "ISTIO_MUTUAL, got \"STRICT\""));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void theWebhooksRefusalsNameTheField(String policy, String field, String message) {
        var result = new ConfigStore().apply("dr.yaml", HEADER + "  trafficPolicy:\n    " + policy + "\n");

        assertThat(result.problems().toString()).contains(field).contains(message);
    }
}
