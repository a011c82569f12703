package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.scenarios.HttpsClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Istio's secure ingress task (issue 19, item 5) through the mesh's ingress gateway: TLS terminated with a Secret
 * named by {@code credentialName}, served to the gateway over SDS, with the task's outcomes: 418 and the teapot over
 * HTTP/2 with the right CA, a rotated Secret refusing the old CA, two hosts on 443 each with its certificate by SNI,
 * MUTUAL refusing a client without a certificate, and httpsRedirect's 301.
 */
@MeshTest(workloads = {"httpbin"})
class SecureIngressIT {

    private static final ExampleCertificates.Authority CA1 = ExampleCertificates.exampleCom();
    private static final ExampleCertificates.Authority CA2 = ExampleCertificates.exampleCom();
    private static final ExampleCertificates.Issued HTTPBIN1 = CA1.issue("httpbin.example.com", "httpbin organization");
    private static final ExampleCertificates.Issued HTTPBIN2 = CA2.issue("httpbin.example.com", "httpbin organization");
    private static final ExampleCertificates.Issued HELLO1 =
            CA1.issue("helloworld.example.com", "helloworld organization");
    private static final ExampleCertificates.Issued CLIENT1 = CA1.issue("client.example.com", "client organization");

    private static final String VIRTUAL_SERVICES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: httpbin}
            spec:
              hosts: [httpbin.example.com]
              gateways: [mygateway]
              http:
              - match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]
                route: [{destination: {host: httpbin, port: {number: 8000}}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: helloworld}
            spec:
              hosts: [helloworld.example.com]
              gateways: [mygateway]
              http:
              - match: [{uri: {exact: /hello}}]
                rewrite: {uri: /status/200}
                route: [{destination: {host: httpbin, port: {number: 8000}}}]
            """;

    private static String gateway(String mode, String extraServers) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: mygateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    tls: {mode: %s, credentialName: httpbin-credential}
                    hosts: [httpbin.example.com]
                """.formatted(mode) + extraServers;
    }

    private static InetSocketAddress https(Mesh mesh) {
        return new InetSocketAddress(mesh.ingress().getAddress(), 8443);
    }

    private static HttpsClient.Answer get(Mesh mesh, String host, String path, HttpsClient.Tls tls) {
        return HttpsClient.get(https(mesh), host, path, Map.of(), tls, Duration.ofSeconds(10));
    }

    /** The answer once it satisfies {@code done}, asking again for a bounded time (SDS delivers a moment later). */
    private static HttpsClient.Answer await(
            Mesh mesh, String host, String path, HttpsClient.Tls tls, Predicate<HttpsClient.Answer> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpsClient.Answer a = get(mesh, host, path, tls);
        while (!done.test(a) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            a = get(mesh, host, path, tls);
        }
        return a;
    }

    @Test
    void simpleTlsAnswersTheTeapotOverHttp2AndARotatedSecretRefusesTheOldCa(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN1, null) + "---\n"
                + gateway("SIMPLE", "") + "---\n" + VIRTUAL_SERVICES);

        HttpsClient.Answer teapot = await(
                mesh,
                "httpbin.example.com",
                "/status/418",
                new HttpsClient.Tls("httpbin.example.com", CA1.certPem()),
                a -> a.status() == 418);
        assertThat(teapot.status()).as(teapot.error()).isEqualTo(418);
        assertThat(teapot.protocol()).isEqualTo("HTTP/2");
        assertThat(teapot.body()).contains("-=[ teapot ]=-");
        assertThat(teapot.headers()).containsEntry("server", "istio-envoy");

        // Rotation: the Secret recreated from the second CA's certificate.
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN2, null));
        HttpsClient.Answer rotated = await(
                mesh,
                "httpbin.example.com",
                "/status/418",
                new HttpsClient.Tls("httpbin.example.com", CA2.certPem()),
                a -> a.status() == 418);
        assertThat(rotated.status()).as(rotated.error()).isEqualTo(418);
        HttpsClient.Answer oldCa = get(
                mesh, "httpbin.example.com", "/status/418", new HttpsClient.Tls("httpbin.example.com", CA1.certPem()));
        assertThat(oldCa.status()).isZero();
        assertThat(oldCa.error()).contains("SSLHandshakeException");
    }

    @Test
    void twoHostsOnOnePortEachServeTheirOwnCertificateBySni(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN1, null)
                + "---\n" + ExampleCertificates.tlsSecret("helloworld-credential", "istio-system", HELLO1, null)
                + "---\n" + gateway("SIMPLE", """
                  - port: {number: 443, name: https-helloworld, protocol: HTTPS}
                    tls: {mode: SIMPLE, credentialName: helloworld-credential}
                    hosts: [helloworld.example.com]
                """) + "---\n" + VIRTUAL_SERVICES);

        HttpsClient.Tls hello = new HttpsClient.Tls("helloworld.example.com", CA1.certPem());
        HttpsClient.Answer h = await(mesh, "helloworld.example.com", "/hello", hello, a -> a.status() == 200);
        assertThat(h.status()).as(h.error()).isEqualTo(200);
        assertThat(h.protocol()).isEqualTo("HTTP/2");
        HttpsClient.Answer teapot = get(
                mesh, "httpbin.example.com", "/status/418", new HttpsClient.Tls("httpbin.example.com", CA1.certPem()));
        assertThat(teapot.status()).as(teapot.error()).isEqualTo(418);

        // No chain for an unknown server name: the connection is closed, as Envoy resets it (curl exit 35).
        HttpsClient.Answer unknown =
                get(mesh, "other.example.com", "/", new HttpsClient.Tls("other.example.com", CA1.certPem()));
        assertThat(unknown.status()).isZero();
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateAndServesOneWithIt(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN1, CA1.certPem())
                + "---\n" + gateway("MUTUAL", "") + "---\n" + VIRTUAL_SERVICES);

        HttpsClient.Tls withCert =
                new HttpsClient.Tls("httpbin.example.com", CA1.certPem(), CLIENT1.certPem(), CLIENT1.keyPem());
        HttpsClient.Answer ok = await(mesh, "httpbin.example.com", "/status/418", withCert, a -> a.status() == 418);
        assertThat(ok.status()).as(ok.error()).isEqualTo(418);
        assertThat(ok.body()).contains("-=[ teapot ]=-");

        HttpsClient.Answer refused = get(
                mesh, "httpbin.example.com", "/status/418", new HttpsClient.Tls("httpbin.example.com", CA1.certPem()));
        assertThat(refused.status()).isZero();
    }

    @Test
    void theRequestApiSendsHttpsThroughTheGatewayWithTheCaAndClientCertificateGiven(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN1, CA1.certPem())
                + "---\n" + gateway("MUTUAL", "") + "---\n" + VIRTUAL_SERVICES);
        Request teapot = Request.get("https://httpbin.example.com/status/418").trusting(CA1.certPem());

        Responses withCert = mesh.send(2, teapot.clientCertificate(CLIENT1.certPem(), CLIENT1.keyPem()));
        assertThat(withCert.statuses()).containsOnlyKeys(418);
        assertThat(withCert.asList().get(0).body()).contains("-=[ teapot ]=-");
        assertThat(mesh.send(1, teapot).statuses()).containsOnlyKeys(0);
    }

    @Test
    void httpsRedirectAnswers301ToHttps(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("httpbin-credential", "istio-system", HTTPBIN1, null)
                + "---\n" + gateway("SIMPLE", """
                  - port: {number: 80, name: http, protocol: HTTP}
                    tls: {httpsRedirect: true}
                    hosts: [httpbin.example.com]
                """) + "---\n" + VIRTUAL_SERVICES);

        Responses r = mesh.send(1, Request.get("/status/418").host("httpbin.example.com"));
        assertThat(r.asList().get(0).status()).isEqualTo(301);
        assertThat(r.asList().get(0).headers()).containsEntry("location", "https://httpbin.example.com/status/418");
    }

    @Test
    void aServerWhoseSecretIsMissingIsLeftOutAndTheOthersKeepServing(Mesh mesh) {
        mesh.apply(ExampleCertificates.tlsSecret("helloworld-credential", "istio-system", HELLO1, null)
                + "---\n" + gateway("SIMPLE", """
                  - port: {number: 443, name: https-helloworld, protocol: HTTPS}
                    tls: {mode: SIMPLE, credentialName: helloworld-credential}
                    hosts: [helloworld.example.com]
                """) + "---\n" + VIRTUAL_SERVICES);

        HttpsClient.Answer h = await(
                mesh,
                "helloworld.example.com",
                "/hello",
                new HttpsClient.Tls("helloworld.example.com", CA1.certPem()),
                a -> a.status() == 200);
        assertThat(h.status()).as(h.error()).isEqualTo(200);
        assertThat(get(
                                mesh,
                                "httpbin.example.com",
                                "/status/418",
                                new HttpsClient.Tls("httpbin.example.com", CA1.certPem()))
                        .status())
                .isZero();
    }
}
