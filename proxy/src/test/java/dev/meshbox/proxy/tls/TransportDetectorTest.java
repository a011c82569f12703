package dev.meshbox.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inbound side of Istio mTLS on real loopback sockets: a TLS client with a workload certificate is terminated and
 * identified by its SPIFFE URI; plaintext passes where the port is PERMISSIVE and is closed without a byte where it is
 * STRICT.
 */
class TransportDetectorTest {

    private static final String SLEEP = "spiffe://cluster.local/ns/foo/sa/sleep";
    private static final String HTTPBIN = "spiffe://cluster.local/ns/foo/sa/httpbin";
    private static EventLoopGroup group;
    private static final WorkloadTls server = new WorkloadTls();
    private static final WorkloadTls client = new WorkloadTls();

    @BeforeAll
    static void certificates() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        TestCertificates ca = new TestCertificates();
        server.update(ca.secrets(HTTPBIN));
        client.update(ca.secrets(SLEEP));
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A server whose app answers each read with what the connection knows of its peer, then closes. */
    private static Channel serve(TransportDetector.Accepted accepted) {
        return serve(server, accepted);
    }

    private static Channel serve(WorkloadTls server, TransportDetector.Accepted accepted) {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new TransportDetector(server, accepted), new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ((ByteBuf) msg).release();
                                        ConnectionSecurity s = TransportDetector.securityOf(ctx.channel());
                                        String answer = s.securityPolicy() + " " + s.peerPrincipal() + " "
                                                + s.localPrincipal() + " "
                                                + (s.peerCertificateHash() == null
                                                        ? 0
                                                        : s.peerCertificateHash()
                                                                .length());
                                        ctx.writeAndFlush(Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8));
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    private static String tlsCall(Channel server) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline()
                                .addLast(client.client(List.of("istio-peer-exchange", "istio"))
                                        .newHandler(
                                                c.alloc(),
                                                "outbound_.8000_._.httpbin.foo.svc.cluster.local",
                                                address.getPort()))
                                .addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        answer.complete(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
                                        ((ByteBuf) msg).release();
                                    }
                                });
                    }
                })
                .connect(address)
                .syncUninterruptibly()
                .channel();
        ch.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.UTF_8));
        try {
            return answer.get(5, TimeUnit.SECONDS);
        } finally {
            ch.close();
        }
    }

    private static String plaintextCall(Channel server) throws Exception {
        return call(server, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static String call(Channel server, byte[] first) throws Exception {
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(first);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            int n = in.read(buf);
            return n < 0 ? "<closed>" : new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }

    @Test
    void aMutualTlsClientIsTerminatedAndKnownByItsSpiffeId() throws Exception {
        Channel permissive = serve(new TransportDetector.Accepted(true, true));
        try {
            assertThat(tlsCall(permissive)).isEqualTo("mutual_tls " + SLEEP + " " + HTTPBIN + " 64");
        } finally {
            permissive.close();
        }
    }

    @Test
    void permissivePortsAlsoTakePlaintext() throws Exception {
        Channel permissive = serve(new TransportDetector.Accepted(true, true));
        try {
            assertThat(plaintextCall(permissive)).isEqualTo("none null null 0");
        } finally {
            permissive.close();
        }
    }

    @Test
    void strictPortsCloseAPlaintextConnectionWithoutAByte() throws Exception {
        Channel strict = serve(new TransportDetector.Accepted(true, false));
        try {
            assertThat(plaintextCall(strict)).isEqualTo("<closed>");
            assertThat(tlsCall(strict)).startsWith("mutual_tls " + SLEEP);
        } finally {
            strict.close();
        }
    }

    @Test
    void aStrictPortBeforeTheSecretsArriveClosesTlsAndPlaintextAlike() throws Exception {
        Channel strict = serve(new WorkloadTls(), new TransportDetector.Accepted(true, false));
        try {
            assertThat(plaintextCall(strict)).isEqualTo("<closed>");
            // The start of a TLS handshake record: content type 22, version 3.1, a 5-byte body.
            byte[] hello = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03};
            assertThat(call(strict, hello)).isEqualTo("<closed>");
        } finally {
            strict.close();
        }
    }

    @Test
    void xfccElementIsIstiosFormat() {
        ConnectionSecurity s = new ConnectionSecurity(true, SLEEP, "ab12", HTTPBIN, null);

        assertThat(s.xfccElement()).isEqualTo("By=" + HTTPBIN + ";Hash=ab12;Subject=\"\";URI=" + SLEEP);
        assertThat(s.sourcePrincipal()).isEqualTo("cluster.local/ns/foo/sa/sleep");
        assertThat(ConnectionSecurity.PLAINTEXT.securityPolicy()).isEqualTo("none");
    }
}
