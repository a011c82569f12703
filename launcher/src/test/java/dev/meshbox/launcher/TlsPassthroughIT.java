package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import java.io.IOException;
import java.io.InputStream;
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
    private static X509Certificate ca;

    @BeforeAll
    static void up() throws Exception {
        KeyPair caKey = keyPair();
        X500Name caName = new X500Name("O=example Inc.,CN=example.com");
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
                new X500Name("O=some organization,CN=nginx.example.com"),
                leafKey.getPublic());
        leaf.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "nginx.example.com")));
        X509Certificate cert = sign(leaf, caKey);
        nginx = https(cert, leafKey);
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

        Answer a = get(gateway, "nginx.example.com");

        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(a.body()).contains("Welcome to nginx!");
        assertThat(a.peer().getSubjectX500Principal().getName()).contains("CN=nginx.example.com");
        assertThat(a.peer().getIssuerX500Principal().getName()).contains("CN=example.com");
        assertThat(mesh.accessLog())
                .anySatisfy(e -> assertThat(e.upstreamCluster()).isEqualTo("outbound|443||nginx.example.com"));
    }

    @Test
    void anSniNoRuleNamesGetsTheConnectionClosed() {
        InetSocketAddress gateway = new InetSocketAddress(mesh.ingress().getAddress(), 8443);

        assertThatThrownBy(() -> get(gateway, "other.example.com")).isInstanceOf(IOException.class);
    }

    @Test
    void fromASidecarTheHostsSniChoosesTheChainOfItsOutboundTcpListener() throws Exception {
        InetSocketAddress sleep = new InetSocketAddress(mesh.outboundOf("sleep").getAddress(), 443);

        Answer a = get(sleep, "nginx.example.com");

        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(a.peer().getIssuerX500Principal().getName()).contains("CN=example.com");
    }

    private record Answer(String statusLine, String body, X509Certificate peer) {}

    /** curl --resolve: TLS to {@code address} with SNI {@code sni}, trusting the example.com CA, GET /. */
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
                        .write(("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                InputStream in = tls.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                String statusLine = response.split("\r\n", 2)[0];
                return new Answer(statusLine, response, peer);
            }
        }
    }

    private static HttpsServer https(X509Certificate cert, KeyPair key) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("nginx", key.getPrivate(), new char[0], new X509Certificate[] {cert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = "<title>Welcome to nginx!</title>".getBytes(StandardCharsets.UTF_8);
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
