package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.security.CertificateAuthority;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Auto mTLS as Istio generates it: transport socket matches, PERMISSIVE inbound chains, SDS secrets. */
class MutualTlsTranslationTest {

    private static MeshView view(MeshView.MeshSecurity security) {
        ConfigStore store = new ConfigStore();
        store.apply("dr.yaml", DESTINATION_RULE_ALL.text());
        return new MeshView(store.snapshot(), BookinfoFixture.registry().snapshot(), security);
    }

    private static XdsResources productpage(MeshView.MeshSecurity security) {
        return Translator.translate(view(security), BookinfoFixture.PRODUCTPAGE);
    }

    private static Cluster cluster(XdsResources r, String name) {
        return r.clusters().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void outboundClustersTalkIstioMutualTlsToMeshedEndpointsAndPlaintextToOthers() throws Exception {
        Cluster v2 = cluster(
                productpage(MeshView.MeshSecurity.AUTO_MTLS), "outbound|9080|v2|reviews.default.svc.cluster.local");

        assertThat(v2.getTransportSocketMatchesList())
                .extracting(Cluster.TransportSocketMatch::getName)
                .containsExactly("tlsMode-istio", "tlsMode-disabled");
        Cluster.TransportSocketMatch istio = v2.getTransportSocketMatches(0);
        assertThat(istio.getMatch().getFieldsOrThrow("tlsMode").getStringValue())
                .isEqualTo("istio");
        assertThat(istio.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
        UpstreamTlsContext tls = istio.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("outbound_.9080_.v2_.reviews.default.svc.cluster.local");
        assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio-peer-exchange", "istio");
        assertThat(tls.getCommonTlsContext()
                        .getTlsCertificateSdsSecretConfigs(0)
                        .getName())
                .isEqualTo("default");
        assertThat(tls.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getValidationContextSdsSecretConfig()
                        .getName())
                .isEqualTo("ROOTCA");
        assertThat(v2.getTransportSocketMatches(1).getMatch().getFieldsCount()).isZero();
        assertThat(v2.getTransportSocketMatches(1).getTransportSocket().getName())
                .isEqualTo("envoy.transport_sockets.raw_buffer");
    }

    @Test
    void sidecarEndpointsCarryTheTlsModeMetadataAutoMtlsMatches() {
        ClusterLoadAssignment reviews = productpage(MeshView.MeshSecurity.AUTO_MTLS).endpoints().stream()
                .filter(e -> e.getClusterName().equals("outbound|9080||reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();

        assertThat(reviews.getEndpoints(0).getLbEndpointsList())
                .allSatisfy(e -> assertThat(e.getMetadata()
                                .getFilterMetadataOrThrow("envoy.transport_socket_match")
                                .getFieldsOrThrow("tlsMode")
                                .getStringValue())
                        .isEqualTo("istio"));
        Pod legacy =
                new Pod("legacy", "default", "127.1.1.1", "127.1.1.1", java.util.Map.of(), Pod.ProxyKind.NONE, true);
        assertThat(ClusterTranslator.podMetadata(legacy).getFilterMetadataMap())
                .doesNotContainKey("envoy.transport_socket_match");
    }

    @Test
    void inboundPortsArePermissiveAnIstioTlsChainWithClientCertsAndAPlaintextChain()
            throws InvalidProtocolBufferException {
        Listener inbound = productpage(MeshView.MeshSecurity.AUTO_MTLS).listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();

        assertThat(inbound.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.tls_inspector");
        List<FilterChain> chains = inbound.getFilterChainsList();
        assertThat(chains).extracting(FilterChain::getName).containsExactly("0.0.0.0_9080_mtls", "0.0.0.0_9080");
        FilterChain mtls = chains.get(0);
        assertThat(mtls.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
        assertThat(mtls.getFilterChainMatch().getApplicationProtocolsList()).contains("istio", "istio-peer-exchange");
        DownstreamTlsContext tls = mtls.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
        HttpConnectionManager hcm = mtls.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        assertThat(hcm.getForwardClientCertDetails())
                .isEqualTo(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD);
        assertThat(hcm.getSetCurrentClientCertDetails().getUri()).isTrue();
        assertThat(chains.get(1).getFilterChainMatch().getTransportProtocol()).isEqualTo("raw_buffer");
        assertThat(chains.get(1).hasTransportSocket()).isFalse();
    }

    @Test
    void withoutAutoMtlsNothingChanges() {
        XdsResources plain = productpage(MeshView.MeshSecurity.PLAINTEXT);

        assertThat(plain.clusters())
                .allSatisfy(c -> assertThat(c.getTransportSocketMatchesCount()).isZero());
        assertThat(plain.listeners())
                .allSatisfy(l -> assertThat(l.getFilterChainsList())
                        .allSatisfy(c -> assertThat(c.hasTransportSocket()).isFalse()));
    }

    @Test
    void secretsAreTheWorkloadKeyAndChainAsDefaultAndTheRootAsRootca() {
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.selfSigned(now);
        WorkloadCertificate cert =
                ca.issue("spiffe://cluster.local/ns/default/sa/bookinfo-productpage", Duration.ofHours(1), now);

        List<Secret> secrets = MutualTls.secrets(cert);

        assertThat(secrets).extracting(Secret::getName).containsExactly("default", "ROOTCA");
        assertThat(secrets.get(0)
                        .getTlsCertificate()
                        .getCertificateChain()
                        .getInlineBytes()
                        .toStringUtf8())
                .isEqualTo(cert.certificateChainPem());
        assertThat(secrets.get(0)
                        .getTlsCertificate()
                        .getPrivateKey()
                        .getInlineBytes()
                        .toStringUtf8())
                .contains("BEGIN PRIVATE KEY");
        assertThat(secrets.get(1)
                        .getValidationContext()
                        .getTrustedCa()
                        .getInlineBytes()
                        .toStringUtf8())
                .isEqualTo(ca.rootPem());
    }

    private static XdsResources withRule(String yaml) {
        ConfigStore store = new ConfigStore();
        var result = store.apply("dr.yaml", yaml);
        assertThat(result.problems()).isEmpty();
        return Translator.translate(
                new MeshView(store.snapshot(), BookinfoFixture.registry().snapshot(), MeshView.MeshSecurity.AUTO_MTLS),
                BookinfoFixture.PRODUCTPAGE);
    }

    @Test
    void destinationRuleTlsModesOverrideAutoMtls() throws Exception {
        XdsResources r = withRule("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                    trafficPolicy:
                      tls: {mode: DISABLE}
                  - name: v2
                    labels: {version: v2}
                """);

        Cluster all = cluster(r, "outbound|9080||reviews.default.svc.cluster.local");
        assertThat(all.getTransportSocketMatchesCount()).isZero();
        assertThat(all.getTransportSocket()
                        .getTypedConfig()
                        .unpack(UpstreamTlsContext.class)
                        .getSni())
                .isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
        Cluster v1 = cluster(r, "outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(v1.hasTransportSocket()).isFalse();
        assertThat(v1.getTransportSocketMatchesCount()).isZero();
        assertThat(cluster(r, "outbound|9080|v2|reviews.default.svc.cluster.local")
                        .hasTransportSocket())
                .isTrue();
        assertThat(cluster(r, "outbound|9080||ratings.default.svc.cluster.local")
                        .getTransportSocketMatchesCount())
                .as("no DestinationRule: auto mTLS")
                .isEqualTo(2);
    }

    @Test
    void anUnknownTlsModeIsRefusedNamingTheField() {
        var result = new ConfigStore().apply("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    tls: {mode: STRICT}
                """);

        assertThat(result.problems().toString())
                .contains("trafficPolicy.tls.mode")
                .contains("ISTIO_MUTUAL");
    }
}
