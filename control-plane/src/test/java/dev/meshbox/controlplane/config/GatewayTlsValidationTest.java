package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Gateway server TLS settings refused as Istio's webhook refuses them, naming file, resource and field. */
class GatewayTlsValidationTest {

    private final IstioParser parser = new IstioParser();

    private static String gateway(String server) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: mygateway, namespace: istio-system}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - hosts: [httpbin.example.com]
                """ + server;
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "an HTTPS server without tls",
                        "    port: {number: 443, name: https, protocol: HTTPS}\n",
                        "spec.servers[0].tls: server must have TLS settings for HTTPS/TLS protocols"),
                Arguments.of(
                        "SIMPLE without a key",
                        "    port: {number: 443, name: https, protocol: HTTPS}\n"
                                + "    tls: {mode: SIMPLE, serverCertificate: /etc/cert.pem}\n",
                        "spec.servers[0].tls.privateKey: SIMPLE TLS requires a private key"),
                Arguments.of(
                        "SIMPLE without any certificate",
                        "    port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE}\n",
                        "spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate"),
                Arguments.of(
                        "MUTUAL from files without a CA",
                        "    port: {number: 443, name: https, protocol: HTTPS}\n"
                                + "    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}\n",
                        "spec.servers[0].tls.caCertificates: MUTUAL TLS requires a client CA bundle"),
                Arguments.of(
                        "a certificate on a plain-text server",
                        "    port: {number: 80, name: http, protocol: HTTP}\n"
                                + "    tls: {httpsRedirect: true, serverCertificate: /c.pem}\n",
                        "spec.servers[0].tls: server cannot have TLS settings for plain text HTTP ports"),
                Arguments.of(
                        "two certificate sources",
                        "    port: {number: 443, name: https, protocol: HTTPS}\n"
                                + "    tls: {mode: SIMPLE, credentialName: c, serverCertificate: /c.pem,"
                                + " privateKey: /k.pem}\n",
                        "spec.servers[0].tls: only one of credential_name, credential_names,"
                                + " server_certificate/private_key, tls_certificates should be specified"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void isRefusedNamingTheField(String what, String server, String problem) {
        ParseResult r = parser.parse("gw.yaml", gateway(server));
        assertThat(r.resources()).isEmpty();
        assertThat(r.problems())
                .extracting(Object::toString)
                .contains("gw.yaml: Gateway istio-system/mygateway: " + problem);
    }

    @Test
    void credentialNameAloneIsEnoughAndHttpsRedirectIsKept() {
        ParseResult r = parser.parse("gw.yaml", gateway("""
                    port: {number: 443, name: https, protocol: HTTPS}
                    tls: {mode: MUTUAL, credentialName: httpbin-credential}
                  - hosts: [httpbin.example.com]
                    port: {number: 80, name: http, protocol: HTTP}
                    tls: {httpsRedirect: true}
                """));
        assertThat(r.problems()).isEmpty();
        Gateway gw = (Gateway) r.resources().get(0);
        assertThat(gw.servers().get(0).tls().credentialName()).isEqualTo("httpbin-credential");
        assertThat(gw.servers().get(0).terminatesTls()).isTrue();
        assertThat(gw.servers().get(1).tls().httpsRedirect()).isTrue();
        assertThat(gw.servers().get(1).terminatesTls()).isFalse();
    }

    @Test
    void aTlsSecretIsReadAsKubectlAppliesIt() {
        ParseResult r = parser.parse("secret.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: httpbin-credential, namespace: istio-system}
                type: kubernetes.io/tls
                data:
                  tls.crt: Q0VSVA==
                  tls.key: S0VZ
                """);
        assertThat(r.problems()).isEmpty();
        KubeSecret s = (KubeSecret) r.resources().get(0);
        assertThat(s.certificateChain()).contains("CERT");
        assertThat(s.privateKey()).contains("KEY");
        assertThat(s.caCertificates()).isEmpty();
        assertThat(s.yaml()).doesNotContain("CERT").doesNotContain("Q0VSVA");
    }

    @Test
    void aTlsSecretWithoutItsKeyIsRefused() {
        ParseResult r = parser.parse("secret.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: httpbin-credential, namespace: istio-system}
                type: kubernetes.io/tls
                data: {tls.crt: "not base64!"}
                """);
        assertThat(r.problems())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder(
                        "secret.yaml: Secret istio-system/httpbin-credential: data.tls.crt: must be base64-encoded"
                                + " (use stringData for plain text)",
                        "secret.yaml: Secret istio-system/httpbin-credential: data[tls.key]: Required value");
    }
}
