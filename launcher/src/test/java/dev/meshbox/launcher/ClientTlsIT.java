package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule {@code trafficPolicy.tls} end to end (issue 18, item 3, client side) through a real loopback mesh:
 * sleep's sidecar originates TLS (SIMPLE) to a loopback HTTPS server whose certificate the test made at run time, and
 * mutual TLS (MUTUAL) with a client certificate read from files to one that requires it; a CA that did not sign the
 * server fails the handshake; ISTIO_MUTUAL toward workloads without a sidecar answers Envoy's 503s (UF when they answer
 * in plaintext, UC when they hang up), flagged in sleep's access log.
 */
class ClientTlsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    static Path dir;

    private static LocalMesh mesh;
    private static HttpsServer simple;
    private static HttpsServer mutual;
    private static ServerSocket answers400;
    private static ServerSocket hangsUp;

    @BeforeAll
    static void up() throws Exception {
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"))),
                LocalOptions.isolated(OptionalLong.of(5)).withSecurity(SecurityOptions.DEFAULTS.withAutoMtls(true)),
                new PrintStream(OutputStream.nullOutputStream()));
        Ca ca = new Ca();
        Ca other = new Ca();
        Issued server = ca.issue(GeneralName.dNSName, "api.example.com");
        Issued client = ca.issue(GeneralName.uniformResourceIdentifier, "spiffe://example.com/sleep-client");
        Files.writeString(dir.resolve("ca.pem"), pem(ca.root));
        Files.writeString(dir.resolve("other-ca.pem"), pem(other.root));
        Files.writeString(dir.resolve("client.pem"), pem(client.cert()));
        Files.writeString(dir.resolve("client-key.pem"), pem(client.key()));
        simple = https(server, null);
        mutual = https(server, ca.root);
        answers400 = raw(true);
        hangsUp = raw(false);
        external("tlsapi", simple.getAddress().getPort());
        external("mtlsapi", mutual.getAddress().getPort());
        external("legacy400", answers400.getLocalPort());
        external("legacyclose", hangsUp.getLocalPort());
        mesh.awaitConverged();
    }

    @AfterAll
    static void down() throws Exception {
        for (HttpsServer s : new HttpsServer[] {simple, mutual}) {
            if (s != null) {
                s.stop(0);
            }
        }
        for (ServerSocket s : new ServerSocket[] {answers400, hangsUp}) {
            if (s != null) {
                s.close();
            }
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void simpleOriginatesTlsToAServerTheCaFileVouchesFor() {
        apply("tlsapi", """
                tls:
                  mode: SIMPLE
                  caCertificates: %s
                  sni: api.example.com
                  subjectAltNames: [api.example.com]
                """.formatted(dir.resolve("ca.pem")));
        TrafficDriver.Result ok = await("tlsapi", r -> r.status() == 200);
        assertThat(ok.body()).isEqualTo("tls=TLSv1.3 sni=api.example.com client=none");

        apply("tlsapi", """
                tls: {mode: SIMPLE, caCertificates: %s}
                """.formatted(dir.resolve("other-ca.pem")));
        TrafficDriver.Result refused = await("tlsapi", r -> r.status() == 503);
        assertThat(refused.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " failure, transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:"
                        + "CERTIFICATE_VERIFY_FAILED:TLS_error_end");
        assertThat(outboundFlags(refused)).startsWith("UF");
    }

    @Test
    void mutualPresentsTheClientCertificateFromItsFiles() {
        apply("mtlsapi", """
                tls:
                  mode: MUTUAL
                  clientCertificate: %s
                  privateKey: %s
                  caCertificates: %s
                """.formatted(
                        dir.resolve("client.pem"), dir.resolve("client-key.pem"), dir.resolve("ca.pem")));
        TrafficDriver.Result ok = await("mtlsapi", r -> r.status() == 200);
        assertThat(ok.body()).endsWith("client=spiffe://example.com/sleep-client");
    }

    @Test
    void istioMutualTowardWorkloadsWithoutASidecarIs503WithEnvoysFlags() {
        apply("legacy400", "tls: {mode: ISTIO_MUTUAL}\n");
        TrafficDriver.Result plaintext = await("legacy400", r -> r.status() == 503);
        assertThat(plaintext.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " failure, transport failure reason: TLS_error:|268435703:SSL routines:OPENSSL_internal:"
                        + "WRONG_VERSION_NUMBER:TLS_error_end");
        assertThat(outboundFlags(plaintext)).startsWith("UF");

        apply("legacyclose", "tls: {mode: ISTIO_MUTUAL}\n");
        TrafficDriver.Result closed = await("legacyclose", r -> r.status() == 503);
        assertThat(closed.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " termination");
        assertThat(outboundFlags(closed)).startsWith("UC");
    }

    /** A service whose one pod has no sidecar, listening on 127.0.0.1:{@code port}. */
    private static void external(String name, int port) {
        mesh.controlPlane()
                .registry()
                .putService(new MeshService(name, "default", List.of(ServicePort.http(port)), Map.of("app", name)));
        mesh.controlPlane()
                .registry()
                .putPod(new Pod(
                        name + "-1",
                        "default",
                        "127.0.0.1",
                        "127.0.0.1",
                        Map.of("app", name),
                        Pod.ProxyKind.NONE,
                        true));
    }

    private static int port(String service) {
        return switch (service) {
            case "tlsapi" -> simple.getAddress().getPort();
            case "mtlsapi" -> mutual.getAddress().getPort();
            case "legacy400" -> answers400.getLocalPort();
            default -> hangsUp.getLocalPort();
        };
    }

    private static void apply(String service, String tls) {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                  trafficPolicy:
                %s""".formatted(service, service, tls.indent(4));
        var outcome = mesh.apply(List.of(new MeshAccess.ConfigText(service + ".yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    /** Sends until {@code done} holds (the new rule reached the sidecar), at most 10 s. */
    private static TrafficDriver.Result await(String service, Predicate<TrafficDriver.Result> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        TrafficDriver.Result last;
        do {
            last = get("http://" + service + ":" + port(service) + "/");
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError(
                "no matching answer from " + service + " within 10 s; last: " + last.status() + " " + last.body());
    }

    /** The response flags sleep's sidecar logged for the request. */
    private static String outboundFlags(TrafficDriver.Result r) {
        try {
            for (JsonNode e : JSON.readTree(mesh.adminGet(mesh.pod("sleep"), "/access_log?format=json"))) {
                if (r.requestId().equals(e.path("request_id").asText())) {
                    return e.path("response_flags").asText();
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no access log entry for " + r.requestId());
    }

    private static TrafficDriver.Result get(String url) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", "GET", url, Map.of(), 1, 1),
                            "ctls" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** An HTTPS server on 127.0.0.1 saying what the handshake was; it requires a client certificate from clientCa. */
    private static HttpsServer https(Issued cert, X509Certificate clientCa) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", cert.key(), new char[0], new X509Certificate[] {cert.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        TrustManagerFactory tmf = null;
        if (clientCa != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", clientCa);
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                var p = context.getDefaultSSLParameters();
                p.setNeedClientAuth(clientCa != null);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", exchange -> {
            var session = ((HttpsExchange) exchange).getSSLSession();
            String sni = session instanceof javax.net.ssl.ExtendedSSLSession e
                    ? e.getRequestedServerNames().stream()
                            .map(n -> new String(n.getEncoded(), StandardCharsets.US_ASCII))
                            .findFirst()
                            .orElse("none")
                    : "none";
            String client = "none";
            try {
                X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
                client = String.valueOf(
                        peer.getSubjectAlternativeNames().iterator().next().get(1));
            } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
                // no client certificate
            }
            byte[] body = ("tls=" + session.getProtocol() + " sni=" + sni + " client=" + client)
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** A plaintext server on 127.0.0.1 that answers anything with a 400 ({@code answers}) or hangs up at once. */
    private static ServerSocket raw(boolean answers) throws Exception {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try (Socket s = server.accept()) {
                            s.getInputStream().read(new byte[512]);
                            if (answers) {
                                s.getOutputStream()
                                        .write(
                                                "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                                                        .getBytes(StandardCharsets.US_ASCII));
                            }
                        } catch (Exception e) {
                            // closed, or the client went away
                        }
                    }
                },
                "raw-" + (answers ? "400" : "close"));
        t.setDaemon(true);
        t.start();
        return server;
    }

    private record Issued(X509Certificate cert, java.security.PrivateKey key) {}

    /** A CA made at run time, issuing leaves with one DNS or URI SAN. */
    private static final class Ca {
        private final KeyPair key = keyPair();
        private final X509Certificate root;

        Ca() throws Exception {
            X500Name name = new X500Name("CN=meshbox test CA " + System.nanoTime());
            var b = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.ONE,
                    Date.from(Instant.now().minusSeconds(60)),
                    Date.from(Instant.now().plus(Duration.ofDays(1))),
                    name,
                    key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            root = sign(b);
        }

        Issued issue(int type, String san) throws Exception {
            KeyPair leaf = keyPair();
            var b = new JcaX509v3CertificateBuilder(
                    new X500Name(root.getSubjectX500Principal().getName()),
                    BigInteger.valueOf(System.nanoTime()),
                    Date.from(Instant.now().minusSeconds(60)),
                    Date.from(Instant.now().plus(Duration.ofHours(1))),
                    new X500Name("CN=" + san.replaceAll("[^a-z.]", "")),
                    leaf.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(type, san)));
            return new Issued(sign(b), leaf.getPrivate());
        }

        private X509Certificate sign(JcaX509v3CertificateBuilder b) throws Exception {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof java.security.PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        return out.toString();
    }
}
