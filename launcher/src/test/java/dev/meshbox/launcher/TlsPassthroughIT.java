package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's ingress-sni-passthrough task on a loopback mesh: an HTTPS server the test runs (its own certificate for
 * {@code nginx.example.com}, issued by an {@code example.com} CA) stands outside the mesh behind a ServiceEntry; the
 * ingress gateway's PASSTHROUGH server on 443 (the pod's 8443) hands connections whose SNI is
 * {@code nginx.example.com} to it by a VirtualService {@code tls:} route without terminating, so the client sees the
 * backend's own certificate; another SNI gets the connection closed. The same host from sleep's sidecar goes by SNI
 * through the sidecar's outbound TCP listener on port 443, as Istio's {@code outbound|443||host} chain with
 * {@code server_names}.
 */
class TlsPassthroughIT {

    private static LocalMesh mesh;
    private static HttpsServer nginx;
    private static String ca;

    @BeforeAll
    static void up() throws Exception {
        ExampleCertificates.Authority authority = ExampleCertificates.exampleCom();
        ca = authority.certPem();
        nginx = TlsBackends.https(
                authority.issue("nginx.example.com", "some organization"), ca, "<title>Welcome to nginx!</title>");
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"))),
                LocalOptions.isolated(OptionalLong.of(7)),
                new PrintStream(OutputStream.nullOutputStream()));
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText(
                "nginx.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: nginx}
                spec:
                  hosts: [nginx.example.com]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: STATIC
                  location: MESH_EXTERNAL
                  endpoints:
                  - address: 127.0.0.1
                    ports: {https: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: mygateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    tls: {mode: PASSTHROUGH}
                    hosts: [nginx.example.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: nginx}
                spec:
                  hosts: [nginx.example.com]
                  gateways: [mygateway]
                  tls:
                  - match:
                    - port: 443
                      sniHosts: [nginx.example.com]
                    route:
                    - destination:
                        host: nginx.example.com
                        port: {number: 443}
                """.formatted(nginx.getAddress().getPort()))));
        assertThat(applied.problems()).isEmpty();
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (nginx != null) {
            nginx.stop(0);
        }
    }

    @Test
    void theGatewayPassesTheConnectionThroughBySniAndTheClientSeesTheBackendsCertificate() throws Exception {
        InetSocketAddress gateway = new InetSocketAddress(mesh.ingress().getAddress(), 8443);

        TlsBackends.Answer a = TlsBackends.get(gateway, "nginx.example.com", ca, "/");

        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(a.response()).contains("Welcome to nginx!");
        assertThat(a.peer().getSubjectX500Principal().getName()).contains("CN=nginx.example.com");
        assertThat(a.peer().getIssuerX500Principal().getName()).contains("CN=example.com");
        assertThat(mesh.accessLog())
                .anySatisfy(e -> assertThat(e.upstreamCluster()).isEqualTo("outbound|443||nginx.example.com"));
    }

    @Test
    void anSniNoRuleNamesGetsTheConnectionClosed() {
        InetSocketAddress gateway = new InetSocketAddress(mesh.ingress().getAddress(), 8443);

        assertThatThrownBy(() -> TlsBackends.get(gateway, "other.example.com", ca, "/"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void fromASidecarTheHostsSniChoosesTheChainOfItsOutboundTcpListener() throws Exception {
        InetSocketAddress sleep = new InetSocketAddress(mesh.outboundOf("sleep").getAddress(), 443);

        TlsBackends.Answer a = TlsBackends.get(sleep, "nginx.example.com", ca, "/");

        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(a.peer().getIssuerX500Principal().getName()).contains("CN=example.com");
    }
}
