package dev.meshbox.proxy.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.spec.UpstreamTlsSpec;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An mTLS endpoint before SDS delivered the workload certificate: never reached in plaintext. */
class UpstreamTlsTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void loop() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aTlsEndpointIsNotConnectedToBeforeTheSecretsArrive() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            UpstreamTls tls = new UpstreamTls(
                    new UpstreamTlsSpec(
                            "outbound_.8000_._.httpbin.foo.svc.cluster.local",
                            List.of("istio-peer-exchange", "istio"),
                            WorkloadTls.DEFAULT,
                            WorkloadTls.ROOTCA),
                    new WorkloadTls());
            SocketTransport transport = new SocketTransport(NioSocketChannel.class, null, 1 << 16, tls);

            ChannelFuture connect = transport.connect(
                    group.next(),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()),
                    Duration.ofSeconds(5),
                    new UpstreamConnection(null));

            assertThat(connect.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(connect.isSuccess()).isFalse();
            assertThat(connect.cause())
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("SDS secrets default and ROOTCA not delivered");
            server.setSoTimeout(200);
            assertThatThrownBy(server::accept)
                    .as("no TCP connection was opened")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }
}
