package dev.meshbox.proxy.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Istio's auto-mTLS transport socket matches: TLS to endpoints labelled tlsMode istio, plaintext to the rest. */
class TransportSocketConverterTest {

    private static final String SNI = "outbound_.9080_.v1_.reviews.default.svc.cluster.local";

    private static Cluster autoMtls() {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
                .setSni(SNI)
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addAlpnProtocols("istio-peer-exchange")
                        .addAlpnProtocols("istio")
                        .addTlsCertificateSdsSecretConfigs(
                                SdsSecretConfig.newBuilder().setName("default"))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setValidationContextSdsSecretConfig(
                                        SdsSecretConfig.newBuilder().setName("ROOTCA"))))
                .build();
        return Cluster.newBuilder()
                .setName("outbound|9080|v1|reviews.default.svc.cluster.local")
                .setType(Cluster.DiscoveryType.EDS)
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-istio")
                        .setMatch(Struct.newBuilder()
                                .putFields(
                                        "tlsMode",
                                        Value.newBuilder()
                                                .setStringValue("istio")
                                                .build()))
                        .setTransportSocket(TransportSocket.newBuilder()
                                .setName("envoy.transport_sockets.tls")
                                .setTypedConfig(Any.pack(tls))))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-disabled")
                        .setTransportSocket(TransportSocket.newBuilder()
                                .setName("envoy.transport_sockets.raw_buffer")
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
                .build();
    }

    private static EndpointSpec endpoint(Map<String, String> socketMatch) {
        return new EndpointSpec(new InetSocketAddress("127.0.0.1", 9080), true, 1, Map.of(), Map.of(), socketMatch);
    }

    @Test
    void meshedEndpointsGetIstioMutualTlsAndOthersPlaintext() {
        ClusterSpec spec = ClusterConverter.convert(autoMtls());

        UpstreamTlsSpec tls = spec.tlsFor(endpoint(Map.of("tlsMode", "istio")));
        assertThat(tls)
                .isEqualTo(new UpstreamTlsSpec(
                        SNI, java.util.List.of("istio-peer-exchange", "istio"), "default", "ROOTCA"));
        assertThat(spec.tlsFor(endpoint(Map.of()))).isNull();
        assertThat(ClusterConverter.convert(autoMtls().toBuilder()
                                .clearTransportSocketMatches()
                                .build())
                        .tlsFor(endpoint(Map.of("tlsMode", "istio"))))
                .isNull();
    }

    @Test
    void anUnreadableCertificateFileIsRefusedNamingTheField() {
        UpstreamTlsContext files = UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(
                                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate.newBuilder()
                                        .setCertificateChain(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                                .setFilename("/nonexistent/client.pem"))
                                        .setPrivateKey(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                                .setFilename("/nonexistent/key.pem"))))
                .build();
        Cluster inline = autoMtls().toBuilder()
                .setTransportSocketMatches(
                        0,
                        autoMtls().getTransportSocketMatches(0).toBuilder()
                                .setTransportSocket(TransportSocket.newBuilder()
                                        .setName("envoy.transport_sockets.tls")
                                        .setTypedConfig(Any.pack(files))))
                .build();

        assertThatThrownBy(() -> ClusterConverter.convert(inline))
                .hasMessageContaining("transport_socket_matches[0].transport_socket")
                .hasMessageContaining("tls_certificates[0].certificate_chain.filename")
                .hasMessageContaining("/nonexistent/client.pem");
    }

    @Test
    void aContextWithoutCertificatesOrValidationOriginatesTlsAcceptingAnyServer() {
        Cluster simple = autoMtls().toBuilder()
                .clearTransportSocketMatches()
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder()
                                .setSni("api.example.com")
                                .build())))
                .build();

        UpstreamTlsSpec tls = ClusterConverter.convert(simple).tlsFor(endpoint(Map.of()));
        assertThat(tls.usesSds()).isFalse();
        assertThat(tls.sni()).isEqualTo("api.example.com");
        assertThat(tls.material()).isEqualTo(new dev.meshbox.proxy.tls.ClientMaterial(null, null, null));
    }

    @Test
    void theSystemBundleIsTrustedEvenWhereTheImageHasNone() {
        Cluster system = autoMtls().toBuilder()
                .clearTransportSocketMatches()
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder()
                                .setCommonTlsContext(CommonTlsContext.newBuilder()
                                        .setValidationContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                                                .CertificateValidationContext.newBuilder()
                                                .setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                                        .setFilename(dev.meshbox.proxy.tls.SystemTrust.OS_BUNDLE))))
                                .build())))
                .build();

        UpstreamTlsSpec tls = ClusterConverter.convert(system).tlsFor(endpoint(Map.of()));
        assertThat(tls.material().trustedCaPem()).contains("-----BEGIN CERTIFICATE-----");
    }
}
