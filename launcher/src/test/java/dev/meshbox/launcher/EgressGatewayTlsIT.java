package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.GatewayWorkload;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's egress gateway task, HTTPS pattern, on a loopback mesh: sleep opens TLS to edition.cnn.com:443 (SNI
 * edition.cnn.com) at its sidecar's outbound TCP listener; the VirtualService's {@code tls:} rule for the mesh sends
 * the connection to the {@code istio-egressgateway} subset cnn, whose PASSTHROUGH server on 443 hands it by SNI to the
 * ServiceEntry's host without terminating, so sleep sees the site's own certificate and its 200. An HTTPS server the
 * test runs stands in for edition.cnn.com (a test CA's certificate for the name). The task's resources are applied as
 * written, except that the entry names the stand-in as its one endpoint (where the task resolves the name by DNS).
 */
class EgressGatewayTlsIT {

    private static LocalMesh mesh;
    private static HttpsServer cnn;
    private static String ca;

    @BeforeAll
    static void up() throws Exception {
        ExampleCertificates.Authority authority = ExampleCertificates.authority("meshbox test", "Test Root CA");
        ca = authority.certPem();
        cnn = TlsBackends.https(
                authority.issue("edition.cnn.com", "Cable News Network"), ca, "<title>CNN International</title>");
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), GatewayWorkload.named("istio-egressgateway"))),
                LocalOptions.isolated(OptionalLong.of(11)),
                new PrintStream(OutputStream.nullOutputStream()));
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText(
                "egress-gateway-tls.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: cnn}
                spec:
                  hosts: [edition.cnn.com]
                  ports:
                  - {number: 443, name: tls, protocol: TLS}
                  resolution: STATIC
                  location: MESH_EXTERNAL
                  endpoints:
                  - address: 127.0.0.1
                    ports: {tls: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: istio-egressgateway}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: 443, name: tls, protocol: TLS}
                    hosts: [edition.cnn.com]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: egressgateway-for-cnn}
                spec:
                  host: istio-egressgateway.istio-system.svc.cluster.local
                  subsets:
                  - name: cnn
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: direct-cnn-through-egress-gateway}
                spec:
                  hosts: [edition.cnn.com]
                  gateways: [mesh, istio-egressgateway]
                  tls:
                  - match:
                    - gateways: [mesh]
                      port: 443
                      sniHosts: [edition.cnn.com]
                    route:
                    - destination:
                        host: istio-egressgateway.istio-system.svc.cluster.local
                        subset: cnn
                        port: {number: 443}
                  - match:
                    - gateways: [istio-egressgateway]
                      port: 443
                      sniHosts: [edition.cnn.com]
                    route:
                    - destination:
                        host: edition.cnn.com
                        port: {number: 443}
                      weight: 100
                """.formatted(cnn.getAddress().getPort()))));
        assertThat(applied.problems()).isEmpty();
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (cnn != null) {
            cnn.stop(0);
        }
    }

    @Test
    void sleepsTlsConnectionLeavesThroughTheEgressGatewayAndSeesTheSitesCertificate() throws Exception {
        InetSocketAddress sidecar =
                new InetSocketAddress(mesh.outboundOf("sleep").getAddress(), 443);

        TlsBackends.Answer a = TlsBackends.get(sidecar, "edition.cnn.com", ca, "/politics");

        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(a.peer().getSubjectX500Principal().getName()).contains("CN=edition.cnn.com");
        assertThat(a.peer().getIssuerX500Principal().getName()).contains("CN=Test Root CA");
        // The sidecar's hop goes to the gateway's subset; the gateway passes the connection on to the host.
        assertThat(mesh.accessLog()).anySatisfy(e -> {
            assertThat(e.pod()).startsWith("sleep");
            assertThat(e.upstreamCluster())
                    .isEqualTo("outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local");
        });
        // Istio's TCP line in the gateway's log: "- - -" 0, the host's cluster, then the requested server name and
        // the route name.
        String gatewayLog = mesh.adminGet(mesh.pod("istio-egressgateway"), "/access_log");
        assertThat(Arrays.stream(gatewayLog.split("\n")))
                .anySatisfy(line -> assertThat(line)
                        .contains("\"- - -\" 0 ")
                        .contains(" outbound|443||edition.cnn.com ")
                        .containsPattern(" edition\\.cnn\\.com \\S+$"));
    }
}
