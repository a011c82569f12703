package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.GatewayApiFixture;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gateway servers terminating TLS, as Istio's secure ingress task configures them, in Envoy's terms. */
class GatewayTlsTranslationTest {

    private static final String SECRET = """
            apiVersion: v1
            kind: Secret
            metadata: {name: %s, namespace: istio-system}
            type: kubernetes.io/tls
            stringData: {tls.crt: "CERT %s", tls.key: "KEY %s"%s}
            """;

    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: mygateway}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 443, name: https-httpbin, protocol: HTTPS}
                tls: {mode: %s, credentialName: httpbin-credential}
                hosts: [httpbin.example.com]
              - port: {number: 443, name: https-helloworld, protocol: HTTPS}
                tls: {mode: SIMPLE, credentialName: helloworld-credential}
                hosts: [helloworld.example.com]
              - port: {number: 80, name: http, protocol: HTTP}
                tls: {httpsRedirect: true}
                hosts: [httpbin.example.com]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: httpbin}
            spec:
              hosts: [httpbin.example.com, helloworld.example.com]
              gateways: [mygateway]
              http:
              - route: [{destination: {host: productpage, port: {number: 9080}}}]
            """;

    private static MeshView view(String... yaml) {
        ConfigStore.Snapshot config = GatewayApiFixture.config(yaml);
        return new MeshView(config, BookinfoFixture.registry().snapshot());
    }

    private static String secret(String name, String extra) {
        return SECRET.formatted(name, name, name, extra);
    }

    private static Listener listener(XdsResources r, String name) {
        return r.listeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name + " in " + r.listeners()));
    }

    private static DownstreamTlsContext tls(FilterChain chain) throws Exception {
        return chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
    }

    @Test
    void eachHttpsServerIsAChainMatchingItsHostsAsSniWithItsOwnCertificateAndRoutes() throws Exception {
        XdsResources r = Translator.translate(
                view(
                        GATEWAY.formatted("SIMPLE"),
                        secret("httpbin-credential", ""),
                        secret("helloworld-credential", "")),
                BookinfoFixture.GATEWAY);

        List<FilterChain> chains = listener(r, "0.0.0.0_8443").getFilterChainsList();
        assertThat(chains).hasSize(2);
        assertThat(chains.get(0).getFilterChainMatch().getServerNamesList()).containsExactly("httpbin.example.com");
        DownstreamTlsContext httpbin = tls(chains.get(0));
        assertThat(httpbin.getCommonTlsContext()
                        .getTlsCertificateSdsSecretConfigs(0)
                        .getName())
                .isEqualTo("kubernetes://httpbin-credential");
        assertThat(httpbin.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
        assertThat(httpbin.hasRequireClientCertificate()).isFalse();
        assertThat(chains.get(1).getFilterChainMatch().getServerNamesList()).containsExactly("helloworld.example.com");
        assertThat(r.routes())
                .extracting(RouteConfiguration::getName)
                .contains(
                        "https.443.https-httpbin.mygateway.default",
                        "https.443.https-helloworld.mygateway.default",
                        "http.80");

        List<Secret> secrets = GatewayCredentials.withCredentials(
                List.of(),
                view(
                        GATEWAY.formatted("SIMPLE"),
                        secret("httpbin-credential", ""),
                        secret("helloworld-credential", "")),
                BookinfoFixture.GATEWAY,
                r.listeners());
        assertThat(secrets)
                .extracting(Secret::getName)
                .containsExactly("kubernetes://httpbin-credential", "kubernetes://helloworld-credential");
        assertThat(secrets.get(0)
                        .getTlsCertificate()
                        .getCertificateChain()
                        .getInlineBytes()
                        .toStringUtf8())
                .isEqualTo("CERT httpbin-credential");
    }

    @Test
    void mutualRequiresAClientCertificateCheckedAgainstTheCacertSecret() throws Exception {
        MeshView v = view(
                GATEWAY.formatted("MUTUAL"),
                secret("httpbin-credential", ", ca.crt: CA"),
                secret("helloworld-credential", ""));
        XdsResources r = Translator.translate(v, BookinfoFixture.GATEWAY);

        DownstreamTlsContext httpbin = tls(listener(r, "0.0.0.0_8443").getFilterChains(0));
        assertThat(httpbin.getRequireClientCertificate().getValue()).isTrue();
        assertThat(httpbin.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getValidationContextSdsSecretConfig()
                        .getName())
                .isEqualTo("kubernetes://httpbin-credential-cacert");
        assertThat(GatewayCredentials.withCredentials(List.of(), v, BookinfoFixture.GATEWAY, r.listeners()))
                .filteredOn(s -> s.getName().equals("kubernetes://httpbin-credential-cacert"))
                .singleElement()
                .satisfies(s -> assertThat(s.getValidationContext()
                                .getTrustedCa()
                                .getInlineBytes()
                                .toStringUtf8())
                        .isEqualTo("CA"));
    }

    @Test
    void aMissingSecretLeavesOnlyItsServersChainOutWithAWarning() {
        XdsResources r = Translator.translate(
                view(GATEWAY.formatted("SIMPLE"), secret("helloworld-credential", "")), BookinfoFixture.GATEWAY);

        assertThat(listener(r, "0.0.0.0_8443").getFilterChainsList())
                .singleElement()
                .satisfies(c -> assertThat(c.getFilterChainMatch().getServerNamesList())
                        .containsExactly("helloworld.example.com"));
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("Gateway default/mygateway")
                        .contains("credentialName httpbin-credential: Referenced credentialName not found (IST0101)")
                        .contains("namespace istio-system"));
    }

    @Test
    void httpsRedirectRequiresTlsOnTheHttpServersVirtualHosts() {
        XdsResources r = Translator.translate(
                view(
                        GATEWAY.formatted("SIMPLE"),
                        secret("httpbin-credential", ""),
                        secret("helloworld-credential", "")),
                BookinfoFixture.GATEWAY);
        RouteConfiguration http = r.routes().stream()
                .filter(c -> c.getName().equals("http.80"))
                .findFirst()
                .orElseThrow();
        assertThat(http.getVirtualHostsList())
                .singleElement()
                .satisfies(vh -> assertThat(vh.getRequireTls()).isEqualTo(VirtualHost.TlsRequirementType.ALL));
    }
}
