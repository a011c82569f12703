package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.testing.Await;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Envoy's {@code tcp_proxy} and {@code tls_inspector} on loopback sockets: a sidecar's bound TCP listeners relay
 * bytes both ways to a cluster's endpoint (a line echo as Istio's tcp-echo sample), split connections by
 * {@code weighted_clusters}, choose a chain by the ClientHello's SNI without terminating TLS (the backend gets the
 * client's own ClientHello), close a connection whose SNI no chain names, and log each connection as Envoy does.
 */
class TcpProxyTest {

    private static final String POD_IP = "127.0.0.181";
    private static final String ONE_IP = "127.0.0.182";
    private static final String TWO_IP = "127.0.0.183";
    private static final String ONE = "outbound|9000|v1|tcp-echo.default.svc.cluster.local";
    private static final String TWO = "outbound|9000|v2|tcp-echo.default.svc.cluster.local";
    private static final String EMPTY = "outbound|9000|none|tcp-echo.default.svc.cluster.local";
    private static final String NGINX = "outbound|443||nginx.example.com";
    private static final String OTHER = "outbound|443||other.example.com";

    private static TestControlPlane controlPlane;
    private static Proxy proxy;
    private static ServerSocket one;
    private static ServerSocket two;
    private static ServerSocket nginx;
    private static ServerSocket other;
    private static final Queue<byte[]> nginxSaw = new ConcurrentLinkedQueue<>();
    private static final Queue<byte[]> otherSaw = new ConcurrentLinkedQueue<>();

    /** Istio's tcp-echo: each line comes back with the prefix. */
    private static ServerSocket echo(String ip, String prefix) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(ip));
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    new Thread(() -> {
                                try (s) {
                                    BufferedReader in = new BufferedReader(
                                            new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                                    OutputStream out = s.getOutputStream();
                                    String line;
                                    while ((line = in.readLine()) != null) {
                                        out.write((prefix + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
                                        out.flush();
                                    }
                                } catch (IOException e) {
                                    // the client went away
                                }
                            })
                            .start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    /** Records the first bytes of each connection, then answers "served" and closes. */
    private static ServerSocket recorder(String ip, Queue<byte[]> saw) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(ip));
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    byte[] buf = new byte[5];
                    int n = s.getInputStream().readNBytes(buf, 0, 5);
                    saw.add(java.util.Arrays.copyOf(buf, n));
                    s.getOutputStream().write("served\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    private static Filter tcpProxy(TcpProxy.Builder p) {
        return Filter.newBuilder()
                .setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(p.build()))
                .build();
    }

    private static Listener tcpListener(int port, FilterChain.Builder... chains) {
        Listener.Builder l = Listener.newBuilder()
                .setName("0.0.0.0_" + port)
                .setAddress(Address.newBuilder()
                        .setSocketAddress(
                                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND);
        for (FilterChain.Builder c : chains) {
            l.addFilterChains(c);
        }
        return l.build();
    }

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        one = echo(ONE_IP, "one");
        two = echo(TWO_IP, "two");
        nginx = recorder(ONE_IP, nginxSaw);
        other = recorder(TWO_IP, otherSaw);
        Listener single = tcpListener(
                9000,
                FilterChain.newBuilder()
                        .addFilters(tcpProxy(
                                TcpProxy.newBuilder().setStatPrefix(ONE).setCluster(ONE))));
        Listener split = tcpListener(
                9001,
                FilterChain.newBuilder()
                        .addFilters(tcpProxy(TcpProxy.newBuilder()
                                .setStatPrefix("tcp-echo")
                                .setWeightedClusters(TcpProxy.WeightedCluster.newBuilder()
                                        .addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                                                .setName(ONE)
                                                .setWeight(50))
                                        .addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                                                .setName(TWO)
                                                .setWeight(50))))));
        Listener none = tcpListener(
                9002,
                FilterChain.newBuilder()
                        .addFilters(tcpProxy(
                                TcpProxy.newBuilder().setStatPrefix(EMPTY).setCluster(EMPTY))));
        Listener sni = tcpListener(
                        9443,
                        FilterChain.newBuilder()
                                .setFilterChainMatch(FilterChainMatch.newBuilder()
                                        .setDestinationPort(UInt32Value.of(9443))
                                        .addServerNames("nginx.example.com"))
                                .addFilters(tcpProxy(TcpProxy.newBuilder()
                                        .setStatPrefix(NGINX)
                                        .setCluster(NGINX))),
                        FilterChain.newBuilder()
                                .setFilterChainMatch(FilterChainMatch.newBuilder()
                                        .setDestinationPort(UInt32Value.of(9443))
                                        .addServerNames("*.example.com"))
                                .addFilters(tcpProxy(TcpProxy.newBuilder()
                                        .setStatPrefix(OTHER)
                                        .setCluster(OTHER))))
                .toBuilder()
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.tls_inspector")
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                .build();
        String node = Sidecars.nodeId(POD_IP, "sleep-v1-181");
        controlPlane.set(
                node,
                Snapshot.create(
                        List.of(
                                staticCluster(ONE, ONE_IP, one.getLocalPort()),
                                staticCluster(TWO, TWO_IP, two.getLocalPort()),
                                staticCluster(EMPTY, null, 0),
                                staticCluster(NGINX, ONE_IP, nginx.getLocalPort()),
                                staticCluster(OTHER, TWO_IP, other.getLocalPort())),
                        List.of(),
                        List.of(single, split, none, sni),
                        List.of(),
                        List.of(),
                        "1"));
        proxy = Sidecars.start(controlPlane, POD_IP, "sleep", "v1", o -> o);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        one.close();
        two.close();
        nginx.close();
        other.close();
        controlPlane.close();
    }

    /**
     * Sends {@code line} to the sidecar's {@code port} and reads one line back; null when the connection closes or is
     * reset first (a close racing the client's write arrives as a reset).
     */
    private static String exchange(int port, String line) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(POD_IP, port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (java.net.SocketException e) {
            return null;
        }
    }

    private static String accessLog() throws Exception {
        return TestHttp.get(proxy.adminAddress(), "a", "/access_log").body();
    }

    @Test
    void bytesCrossTheTcpProxyBothWaysAndTheConnectionIsLoggedAsEnvoyDoes() throws Exception {
        assertThat(exchange(9000, "hello")).isEqualTo("one hello");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(POD_IP, 9000), 5000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                s.getOutputStream().write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("one line " + i);
            }
            s.shutdownOutput(); // half-close: the echo sees the end and closes, and so does the proxy
            assertThat(in.read()).isEqualTo(-1);
        }
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return accessLog().contains("\"- - -\" 0 - ")
                                && accessLog().contains(ONE);
                    } catch (Exception e) {
                        return false;
                    }
                },
                "a TCP access log line");
        assertThat(accessLog()).contains("\"- - -\" 0 - ").contains(ONE);
        String metrics = TestHttp.get(proxy.prometheusAddress(), "p", "/stats/prometheus")
                .body();
        assertThat(metrics)
                .contains("istio_tcp_connections_opened_total{reporter=\"source\",source_workload=\"sleep-v1\"")
                .contains("destination_service=\"tcp-echo.default.svc.cluster.local\","
                        + "destination_service_name=\"tcp-echo\",destination_service_namespace=\"default\","
                        + "destination_cluster=\"unknown\",request_protocol=\"tcp\"")
                .contains("source_workload_namespace=\"default\",source_cluster=\"Kubernetes\",")
                .contains("# TYPE istio_tcp_sent_bytes_total counter")
                .contains("# TYPE istio_tcp_received_bytes_total counter");
    }

    @Test
    void weightedClustersSplitConnections() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            String answer = exchange(9001, "x");
            seen.merge(answer.split(" ")[0], 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder("one", "two");
        assertThat(seen.get("one") + seen.get("two")).isEqualTo(40);
    }

    @Test
    void aClusterWithoutHostsClosesTheConnectionWithUh() throws Exception {
        assertThat(exchange(9002, "hello")).isNull();
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return accessLog().contains("\"- - -\" 0 UH ");
                    } catch (Exception e) {
                        return false;
                    }
                },
                "a UH access log line");
    }

    /** A TLS ClientHello asking for {@code sni}, as a client's first flight. */
    private static byte[] clientHello(String sni) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(sni, 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static String sendHello(String sni) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(POD_IP, 9443), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(clientHello(sni));
            InputStream in = s.getInputStream();
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        } catch (java.net.SocketException e) {
            return null; // reset
        }
    }

    @Test
    void theClientHellosServerNameChoosesTheChainAndTheBackendGetsTheClientsOwnHandshake() throws Exception {
        assertThat(sendHello("nginx.example.com")).isEqualTo("served");
        assertThat(nginxSaw.poll()).startsWith(0x16, 0x03);
        assertThat(sendHello("www.example.com")).isEqualTo("served");
        assertThat(otherSaw.poll()).startsWith(0x16, 0x03);
        assertThat(sendHello("nginx.example.org")).isNull();
        assertThat(exchange(9443, "plaintext")).isNull();
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return accessLog().contains("\"- - -\" 0 - ")
                                && accessLog().contains(" nginx.example.com ");
                    } catch (Exception e) {
                        return false;
                    }
                },
                "an access log line with the requested server name");
    }
}
