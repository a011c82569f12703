package dev.meshbox.proxy.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.meshbox.proxy.route.RouteAction;
import dev.meshbox.proxy.route.RouteTable;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import org.junit.jupiter.api.Test;

/** What a gateway's TLS servers and httpsRedirect become in the proxy's own terms. */
class GatewayTlsSpecTest {

    private static TransportSocket socket(DownstreamTlsContext tls) {
        return TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(tls))
                .build();
    }

    @Test
    void aSimpleServerServesItsCredentialWithoutAClientCa() {
        DownstreamTlsSpec spec = TransportSocketConverter.downstream(
                socket(DownstreamTlsContext.newBuilder()
                        .setCommonTlsContext(CommonTlsContext.newBuilder()
                                .addTlsCertificateSdsSecretConfigs(
                                        SdsSecretConfig.newBuilder().setName("kubernetes://httpbin-credential"))
                                .addAlpnProtocols("h2")
                                .addAlpnProtocols("http/1.1"))
                        .build()),
                "listener 0.0.0.0_8443");
        assertThat(spec.certificateSecret()).isEqualTo("kubernetes://httpbin-credential");
        assertThat(spec.validationSecret()).isNull();
        assertThat(spec.requireClientCertificate()).isFalse();
        assertThat(spec.alpn()).containsExactly("h2", "http/1.1");
        assertThat(spec.usesWorkloadCertificate()).isFalse();
    }

    @Test
    void aMutualServerChecksClientsAgainstItsCacert() {
        DownstreamTlsSpec spec = TransportSocketConverter.downstream(
                socket(DownstreamTlsContext.newBuilder()
                        .setRequireClientCertificate(BoolValue.of(true))
                        .setCommonTlsContext(CommonTlsContext.newBuilder()
                                .addTlsCertificateSdsSecretConfigs(
                                        SdsSecretConfig.newBuilder().setName("kubernetes://httpbin-credential"))
                                .setCombinedValidationContext(
                                        CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder()
                                                        .setName("kubernetes://httpbin-credential-cacert"))))
                        .build()),
                "listener 0.0.0.0_8443");
        assertThat(spec.validationSecret()).isEqualTo("kubernetes://httpbin-credential-cacert");
        assertThat(spec.requireClientCertificate()).isTrue();
    }

    @Test
    void requireTlsRedirectsEveryRequestOfTheVirtualHostToHttps() {
        RouteTable table = RouteConverter.convert(RouteConfiguration.newBuilder()
                .setName("http.80")
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("httpbin.example.com:80")
                        .addDomains("httpbin.example.com")
                        .setRequireTls(VirtualHost.TlsRequirementType.ALL))
                .build());
        assertThat(table.virtualHosts().get(0).routes().get(0).action())
                .isEqualTo(new RouteAction.Redirect("https", "", 0, null, null, 301, false));
    }
}
