package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.scenarios.MeshAccess;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's egress gateway task, HTTP pattern, on a loopback mesh: sleep's request for edition.cnn.com goes to the
 * {@code istio-egressgateway} (subset cnn, over auto mTLS) and from there to the ServiceEntry's host. A loopback
 * server the test runs stands in for edition.cnn.com and answers as the site does over HTTP: 301 to https. The
 * task's resources are applied as written, except that the entry names the stand-in as its one endpoint.
 */
@MeshTest(
        workloads = {"sleep"},
        gateways = {"istio-egressgateway"})
class EgressGatewayIT {

    private static HttpServer cnn;

    @BeforeAll
    static void theTasksConfig(Mesh mesh) throws Exception {
        cnn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cnn.createContext("/", ex -> {
            ex.getResponseHeaders().add("location", "https://edition.cnn.com" + ex.getRequestURI());
            ex.sendResponseHeaders(301, -1);
            ex.close();
        });
        cnn.start();
        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: cnn}
                spec:
                  hosts: [edition.cnn.com]
                  ports:
                  - {number: 80, name: http-port, protocol: HTTP}
                  - {number: 443, name: https, protocol: HTTPS}
                  resolution: DNS
                  endpoints:
                  - address: 127.0.0.1
                    ports: {http-port: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: istio-egressgateway}
                spec:
                  selector: {istio: egressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [edition.cnn.com]
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
                  gateways: [istio-egressgateway, mesh]
                  http:
                  - match:
                    - gateways: [mesh]
                      port: 80
                    route:
                    - destination:
                        host: istio-egressgateway.istio-system.svc.cluster.local
                        subset: cnn
                        port: {number: 80}
                      weight: 100
                  - match:
                    - gateways: [istio-egressgateway]
                      port: 80
                    route:
                    - destination:
                        host: edition.cnn.com
                        port: {number: 80}
                      weight: 100
                """.formatted(cnn.getAddress().getPort()));
    }

    @AfterAll
    static void down() {
        if (cnn != null) {
            cnn.stop(0);
        }
    }

    @Test
    void sleepsRequestGoesThroughTheEgressGatewayAndGetsTheSitesRedirect(Mesh mesh) {
        Responses.Response r = mesh.send(
                        1, Request.get("http://edition.cnn.com/politics").from("sleep"))
                .asList()
                .get(0);

        assertThat(r.status()).as("%s", r).isEqualTo(301);
        assertThat(r.headers()).containsEntry("location", "https://edition.cnn.com/politics");
        assertThat(r.upstreamCluster()).isEqualTo("outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local");

        List<MeshAccess.LogEntry> gateway = mesh.accessLog("istio-egressgateway").stream()
                .filter(e -> e.requestId().equals(r.requestId()))
                .toList();
        assertThat(gateway).as("the egress gateway's log").hasSize(1);
        MeshAccess.LogEntry hop = gateway.get(0);
        assertThat(hop.responseCode()).isEqualTo(301);
        assertThat(hop.upstreamCluster()).isEqualTo("outbound|80||edition.cnn.com");
        assertThat(hop.authority()).isEqualTo("edition.cnn.com");
        // The sidecar-to-gateway hop is Istio mTLS: the gateway saw sleep's certificate.
        assertThat(hop.downstreamPeerUriSan()).isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
    }
}
