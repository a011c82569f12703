package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.tls.TestCertificates;
import dev.meshbox.proxy.tls.TlsProvider;
import dev.meshbox.proxy.tls.TlsSecret;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar originating TLS as a DestinationRule's {@code trafficPolicy.tls} asks, toward loopback servers made here:
 * SIMPLE and MUTUAL with files the proxy reads (CA, client certificate and key), SNI and subject alternative names;
 * Istio mutual TLS (SDS secrets) checking the server's SPIFFE identity; and Envoy's 503s when the handshake fails (a
 * plaintext server answering: UF with {@code WRONG_VERSION_NUMBER}; one hanging up: UC). Bad files and bad SDS
 * secrets are NACKed naming the field while the previous configuration keeps serving.
 */
class UpstreamTlsOriginationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD_IP = "127.0.0.161";
    private static final String SERVER_IP = "127.0.0.162";
    private static final InetSocketAddress OUTBOUND = new InetSocketAddress(POD_IP, 15001);
    private static final String HTTPBIN_ID = "spiffe://cluster.local/ns/default/sa/httpbin";
    private static final String NODE = Sidecars.nodeId(POD_IP, "sleep-v1-161");

    @TempDir
    static Path dir;

    private static EventLoopGroup group;
    private static TestControlPlane controlPlane;
    private static Proxy proxy;
    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static Map<String, TlsSecret> sleepSecrets;
    private static final List<Channel> servers = new ArrayList<>();
    private static int version;

    /** Clusters by service name; each service "NAME:8000" routes to cluster "outbound|8000||NAME". */
    private static final Map<String, Cluster> clusters = new java.util.LinkedHashMap<>();

    private static Channel simpleServer;
    private static Channel mutualServer;
    private static Channel istioServer;
    private static Channel otherCaServer;
    private static Channel plaintext400;
    private static Channel hangsUp;

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ca = new TestCertificates();
        otherCa = new TestCertificates();
        sleepSecrets = ca.secrets("spiffe://cluster.local/ns/default/sa/sleep");
        TestCertificates.Issued server = ca.issue("tls.example.com");
        simpleServer = tlsServer(8443, server, null);
        mutualServer = tlsServer(8444, server, ca.rootPem());
        TestCertificates.Issued httpbin = ca.issue(HTTPBIN_ID);
        istioServer = tlsServer(8445, httpbin, ca.rootPem());
        otherCaServer = tlsServer(8446, otherCa.issue("tls.example.com"), null);
        plaintext400 = rawServer(8447, true);
        hangsUp = rawServer(8448, false);
        write("ca.pem", ca.rootPem());
        TestCertificates.Issued client = ca.issue("spiffe://cluster.local/ns/default/sa/sleep");
        write("client.pem", client.certificatePem());
        write("client-key.pem", client.privateKeyPem());
        write("other-key.pem", ca.issue("x.example.com").privateKeyPem());

        clusters.put("simple", fileTls("simple", 8443, false, "outbound_.8443_._.tls.example.com"));
        clusters.put("mutual", fileTls("mutual", 8444, true, ""));
        clusters.put("nocert", fileTls("nocert", 8444, false, ""));
        clusters.put("otherca", fileTls("otherca", 8446, false, ""));
        clusters.put("plain400", fileTls("plain400", 8447, false, ""));
        clusters.put("hangsup", fileTls("hangsup", 8448, false, ""));
        clusters.put("istio", istioTls("istio", 8445, HTTPBIN_ID));
        clusters.put("wrongid", istioTls("wrongid", 8445, "spiffe://cluster.local/ns/default/sa/reviews"));
        clusters.put("plaintotls", staticCluster(clusterName("plaintotls"), SERVER_IP, 8445));
        controlPlane = new TestControlPlane();
        controlPlane.set(NODE, snapshot(sleepSecrets));
        proxy = Sidecars.start(controlPlane, POD_IP, "sleep", "v1", UnaryOperator.identity());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        controlPlane.close();
        servers.forEach(Channel::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static void write(String name, String text) throws Exception {
        Files.writeString(dir.resolve(name), text);
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    private static Snapshot snapshot(Map<String, TlsSecret> secrets) {
        List<io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts = new ArrayList<>();
        for (String name : clusters.keySet()) {
            hosts.add(service(name, "default", 8000, route("", prefix("/"), cluster(clusterName(name)))));
        }
        List<Secret> sds = new ArrayList<>();
        secrets.forEach((name, s) -> sds.add(secret(s)));
        return Snapshot.create(
                List.copyOf(clusters.values()),
                List.of(),
                List.of(virtualOutbound(), outboundPort(8000)),
                List.of(routeConfig("8000", hosts.toArray(io.envoyproxy.envoy.config.route.v3.VirtualHost[]::new))),
                sds,
                Integer.toString(++version));
    }

    private static Secret secret(TlsSecret s) {
        Secret.Builder b = Secret.newBuilder().setName(s.name());
        if (s.isCertificate()) {
            b.setTlsCertificate(TlsCertificate.newBuilder()
                    .setCertificateChain(inline(s.certificateChainPem()))
                    .setPrivateKey(inline(s.privateKeyPem())));
        } else {
            b.setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(s.trustedCaPem())));
        }
        return b.build();
    }

    private static DataSource inline(String pem) {
        return DataSource.newBuilder()
                .setInlineBytes(ByteString.copyFromUtf8(pem))
                .build();
    }

    private static DataSource file(String name) {
        return DataSource.newBuilder().setFilename(path(name)).build();
    }

    private static String clusterName(String service) {
        return "outbound|8000||" + service + ".default.svc.cluster.local";
    }

    /** Istio's SIMPLE (or MUTUAL with the client certificate) as the control plane writes it: files and SNI. */
    private static Cluster fileTls(String service, int port, boolean clientCertificate, String sni) {
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder()
                .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file("ca.pem")));
        if (clientCertificate) {
            common.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(file("client.pem"))
                    .setPrivateKey(file("client-key.pem")));
        }
        return withTls(
                staticCluster(clusterName(service), SERVER_IP, port),
                UpstreamTlsContext.newBuilder()
                        .setSni(sni)
                        .setCommonTlsContext(common)
                        .build());
    }

    /** Istio's ISTIO_MUTUAL: SDS default and ROOTCA, Istio's ALPN and SNI, the destination's identity. */
    private static Cluster istioTls(String service, int port, String identity) {
        CommonTlsContext common = CommonTlsContext.newBuilder()
                .addAlpnProtocols("istio-peer-exchange")
                .addAlpnProtocols("istio")
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default"))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                .addMatchSubjectAltNames(
                                        StringMatcher.newBuilder().setExact(identity)))
                        .setValidationContextSdsSecretConfig(
                                SdsSecretConfig.newBuilder().setName("ROOTCA")))
                .build();
        return withTls(
                staticCluster(clusterName(service), SERVER_IP, port),
                UpstreamTlsContext.newBuilder()
                        .setSni("outbound_.8000_._." + service + ".default.svc.cluster.local")
                        .setCommonTlsContext(common)
                        .build());
    }

    private static Cluster withTls(Cluster c, UpstreamTlsContext tls) {
        return c.toBuilder()
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(tls)))
                .build();
    }

    /** A TLS server answering each request with the SNI it was given and the client certificate's SAN. */
    private static Channel tlsServer(int port, TestCertificates.Issued cert, String clientCa) throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(stream(cert.certificatePem()), stream(cert.privateKeyPem()));
        if (clientCa != null) {
            b.trustManager(stream(clientCa)).clientAuth(ClientAuth.REQUIRE);
        }
        SslContext context = b.build();
        return bind(port, ch -> {
            // SniHandler reads the server name off the ClientHello as sent, whatever the provider would accept.
            SniHandler sni = new SniHandler(host -> context);
            ch.pipeline().addLast(sni, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                    ((ByteBuf) msg).release();
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    String client = "none";
                    try {
                        X509Certificate peer =
                                (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
                        client = String.valueOf(peer.getSubjectAlternativeNames()
                                .iterator()
                                .next()
                                .get(1));
                    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                        // no client certificate
                    }
                    String body = "sni=" + (sni.hostname() == null ? "none" : sni.hostname()) + " client=" + client;
                    ctx.writeAndFlush(Unpooled.copiedBuffer(
                            "HTTP/1.1 200 OK\r\ncontent-length: " + body.length() + "\r\n\r\n" + body,
                            StandardCharsets.US_ASCII));
                }
            });
        });
    }

    /** A plaintext server that answers a ClientHello with an HTTP 400 ({@code answers}) or hangs up at once. */
    private static Channel rawServer(int port, boolean answers) {
        return bind(
                port,
                ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        if (answers) {
                            ctx.writeAndFlush(Unpooled.copiedBuffer(
                                            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                                            StandardCharsets.US_ASCII))
                                    .addListener(ChannelFutureListener.CLOSE);
                        } else {
                            ctx.close();
                        }
                    }
                }));
    }

    private static Channel bind(int port, java.util.function.Consumer<SocketChannel> pipeline) {
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        pipeline.accept(c);
                    }
                })
                .bind(new InetSocketAddress(SERVER_IP, port))
                .syncUninterruptibly()
                .channel();
        servers.add(ch);
        return ch;
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static TestHttp.Response call(String service) throws Exception {
        try (TestHttp http = new TestHttp(OUTBOUND)) {
            return http.request("GET", "/", service + ":8000");
        }
    }

    /** Istio's SNI goes on the wire through OpenSSL; the JDK's provider refuses its underscores and sends none. */
    private static String sniSent(String sni) {
        return TlsProvider.current() == SslProvider.JDK ? "none" : sni;
    }

    @Test
    void theAdminServerInfoNamesTheTlsProvider() throws Exception {
        assertThat(TestHttp.get(proxy.adminAddress(), "a", "/server_info").body())
                .contains("\"tls_provider\"")
                .contains(OpenSsl.isAvailable() ? "BoringSSL" : "JDK");
        assertThat(TlsProvider.current())
                .as("netty-tcnative loads on Linux x86-64")
                .isEqualTo(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    private static JsonNode lastLogEntry() throws Exception {
        JsonNode all = JSON.readTree(TestHttp.get(proxy.adminAddress(), "a", "/access_log?format=json")
                .body());
        return all.get(all.size() - 1);
    }

    @Test
    void simpleOriginatesTlsCheckingTheServerAgainstTheCaFileAndSendsTheSni() throws Exception {
        TestHttp.Response r = call("simple");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("sni=" + sniSent("outbound_.8443_._.tls.example.com") + " client=none");
    }

    @Test
    void mutualPresentsTheClientCertificateFromItsFiles() throws Exception {
        TestHttp.Response r = call("mutual");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("sni=none client=spiffe://cluster.local/ns/default/sa/sleep");
        assertThat(call("nocert").status())
                .as("no client certificate toward a server requiring one")
                .isEqualTo(503);
    }

    @Test
    void aServerCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        TestHttp.Response r = call("otherca");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " failure, transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:"
                        + "CERTIFICATE_VERIFY_FAILED:TLS_error_end");
        JsonNode log = lastLogEntry();
        assertThat(log.toString()).contains("\"response_flags\":\"UF").contains("CERTIFICATE_VERIFY_FAILED");
    }

    @Test
    void istioMutualChecksTheServersSpiffeIdentity() throws Exception {
        TestHttp.Response ok = call("istio");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body())
                .isEqualTo("sni=" + sniSent("outbound_.8000_._.istio.default.svc.cluster.local")
                        + " client=spiffe://cluster.local/ns/default/sa/sleep");

        TestHttp.Response wrong = call("wrongid");
        assertThat(wrong.status()).isEqualTo(503);
        assertThat(wrong.body()).contains("CERTIFICATE_VERIFY_FAILED");
    }

    @Test
    void tlsTowardAPlaintextServerIs503AsEnvoyReportsIt() throws Exception {
        TestHttp.Response answered = call("plain400");
        assertThat(answered.status()).isEqualTo(503);
        assertThat(answered.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " failure, transport failure reason: TLS_error:|268435703:SSL routines:OPENSSL_internal:"
                        + "WRONG_VERSION_NUMBER:TLS_error_end");
        assertThat(lastLogEntry().toString()).contains("\"response_flags\":\"UF");

        TestHttp.Response closed = call("hangsup");
        assertThat(closed.status()).isEqualTo(503);
        assertThat(closed.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " termination");
        assertThat(lastLogEntry().toString()).contains("\"response_flags\":\"UC");
    }

    @Test
    void plaintextTowardAServerThatOnlySpeaksTlsIsAConnectionTermination() throws Exception {
        // DestinationRule DISABLE toward a STRICT sidecar: the server closes on the plaintext request.
        TestHttp.Response r = call("plaintotls");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body())
                .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: connection"
                        + " termination");
        assertThat(lastLogEntry().toString()).contains("\"response_flags\":\"UC");
    }

    private static DiscoveryRequest lastNack(String typeSuffix) {
        DiscoveryRequest last = null;
        for (DiscoveryRequest r : controlPlane.requests()) {
            if (r.getTypeUrl().endsWith(typeSuffix) && r.hasErrorDetail()) {
                last = r;
            }
        }
        return last;
    }

    @Test
    void badFilesAndBadSecretsAreNackedAndThePreviousConfigurationKeepsServing() throws Exception {
        Cluster good = clusters.get("mutual");
        try {
            clusters.put(
                    "mutual",
                    withTls(
                            good,
                            UpstreamTlsContext.newBuilder()
                                    .setCommonTlsContext(CommonTlsContext.newBuilder()
                                            .addTlsCertificates(TlsCertificate.newBuilder()
                                                    .setCertificateChain(file("missing.pem"))
                                                    .setPrivateKey(file("client-key.pem"))))
                                    .build()));
            controlPlane.set(NODE, snapshot(sleepSecrets));
            Await.until(
                    Duration.ofSeconds(10),
                    () -> lastNack("Cluster") != null
                            && lastNack("Cluster").getErrorDetail().getMessage().contains("missing.pem"),
                    "a cluster NACK");
            assertThat(lastNack("Cluster").getErrorDetail().getMessage())
                    .contains("tls_certificates[0].certificate_chain.filename");
            assertThat(call("mutual").status())
                    .as("the previous cluster serves")
                    .isEqualTo(200);

            clusters.put(
                    "mutual",
                    withTls(
                            good,
                            UpstreamTlsContext.newBuilder()
                                    .setCommonTlsContext(CommonTlsContext.newBuilder()
                                            .addTlsCertificates(TlsCertificate.newBuilder()
                                                    .setCertificateChain(file("client.pem"))
                                                    .setPrivateKey(file("other-key.pem"))))
                                    .build()));
            controlPlane.set(NODE, snapshot(sleepSecrets));
            Await.until(
                    Duration.ofSeconds(10),
                    () -> lastNack("Cluster").getErrorDetail().getMessage().contains("does not match"),
                    "a cluster NACK for a key that is not the certificate's");
            assertThat(call("mutual").status()).isEqualTo(200);
        } finally {
            clusters.put("mutual", good);
        }

        TestCertificates.Issued expired = ca.issue(
                "spiffe://cluster.local/ns/default/sa/sleep",
                java.time.Instant.now().minusSeconds(60));
        Map<String, TlsSecret> bad = Map.of(
                WorkloadTls.DEFAULT,
                new TlsSecret(WorkloadTls.DEFAULT, expired.certificatePem(), expired.privateKeyPem(), null),
                WorkloadTls.ROOTCA,
                sleepSecrets.get(WorkloadTls.ROOTCA));
        controlPlane.set(NODE, snapshot(bad));
        Await.until(
                Duration.ofSeconds(10),
                () -> lastNack("Secret") != null
                        && lastNack("Secret").getErrorDetail().getMessage().contains("expired"),
                "an SDS NACK for an expired certificate");
        assertThat(lastNack("Secret").getErrorDetail().getMessage()).contains("secret default");
        TestHttp.Response stillOk = call("istio");
        assertThat(stillOk.status())
                .as("the previous certificate keeps serving")
                .isEqualTo(200);
        controlPlane.set(NODE, snapshot(sleepSecrets));
    }
}
