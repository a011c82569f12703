package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.GatewayWorkload;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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
    private static X509Certificate ca;

    @BeforeAll
    static void up() throws Exception {
        KeyPair caKey = keyPair();
        X500Name caName = new X500Name("O=meshbox test,CN=Test Root CA");
        JcaX509v3CertificateBuilder root = new JcaX509v3CertificateBuilder(
                caName,
                BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))),
                caName,
                caKey.getPublic());
        root.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = sign(root, caKey);
        KeyPair leafKey = keyPair();
        JcaX509v3CertificateBuilder leaf = new JcaX509v3CertificateBuilder(
                caName,
                BigInteger.TWO,
                Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofHours(1))),
                new X500Name("O=Cable News Network,CN=edition.cnn.com"),
                leafKey.getPublic());
        leaf.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "edition.cnn.com")));
        cnn = https(sign(leaf, caKey), leafKey);
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

        Answer a = get(sidecar, "edition.cnn.com");

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

    private record Answer(String statusLine, X509Certificate peer) {}

    /** {@code curl https://edition.cnn.com/politics} from sleep, trusting the test CA. */
    private static Answer get(InetSocketAddress address, String sni) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (Socket raw = new Socket()) {
            raw.connect(address, 5000);
            raw.setSoTimeout(10_000);
            try (SSLSocket tls =
                    (SSLSocket) context.getSocketFactory().createSocket(raw, sni, address.getPort(), true)) {
                SSLParameters p = tls.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(p);
                tls.startHandshake();
                X509Certificate peer = (X509Certificate) tls.getSession().getPeerCertificates()[0];
                tls.getOutputStream()
                        .write(("GET /politics HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                String response = new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return new Answer(response.split("\r\n", 2)[0], peer);
            }
        }
    }

    private static HttpsServer https(X509Certificate cert, KeyPair key) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("cnn", key.getPrivate(), new char[0], new X509Certificate[] {cert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = "<title>CNN International</title>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
