package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In a pod of its own the proxy binds Istio's reserved ports on 0.0.0.0, so {@code kubectl port-forward} (which
 * connects to the pod's localhost) reaches its admin and outbound ports, while service ports stay on the pod IP where
 * the app's own localhost listener does not clash with them.
 */
class WildcardBindTest {

    private TestControlPlane controlPlane;
    private Proxy proxy;

    @BeforeEach
    void controlPlane() throws Exception {
        controlPlane = new TestControlPlane();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        controlPlane.close();
    }

    private Proxy start(String podIp, int listenerPort, ProxyOptions.Wildcard wildcard) throws Exception {
        String node = "router~" + podIp + "~gw-abc.istio-system~istio-system.svc.cluster.local";
        VirtualHost host = VirtualHost.newBuilder()
                .setName("any")
                .addDomains("*")
                .addRoutes(route("", prefix("/"), cluster("nowhere")))
                .build();
        controlPlane.set(
                node,
                Snapshot.create(
                        List.of(edsCluster("nowhere", Cluster.LbPolicy.ROUND_ROBIN)),
                        List.of(cla("nowhere")),
                        List.of(gateway(listenerPort)),
                        List.of(routeConfig("http." + listenerPort, host)),
                        List.of(),
                        "1"));
        Proxy p = Proxy.start(ProxyOptions.builder(node, InetAddress.getByName(podIp), controlPlane.address())
                .nodeCluster("gw.istio-system")
                .labels(Map.of("istio", "ingressgateway"))
                .namespace("istio-system")
                .podName("gw-abc")
                .role(ProxyRole.GATEWAY)
                .adminPort(0)
                .drawnSeed(3L)
                .healthPort(0)
                .prometheusPort(0)
                .wildcard(wildcard)
                .build());
        p.ready().get(10, TimeUnit.SECONDS);
        return p;
    }

    @Test
    void reservedPortsAnswerOnLocalhostButServicePortsOnlyOnThePodIp() throws Exception {
        proxy = start("127.0.0.105", 8092, ProxyOptions.Wildcard.RESERVED);
        InetSocketAddress admin =
                new InetSocketAddress("127.0.0.1", proxy.adminAddress().getPort());
        assertThat(TestHttp.get(admin, "a", "/ready").status()).isEqualTo(200);
        assertThat(TestHttp.get(new InetSocketAddress("127.0.0.105", 8092), "a", "/")
                        .status())
                .isEqualTo(503);
        assertThatThrownBy(() -> TestHttp.get(new InetSocketAddress("127.0.0.1", 8092), "a", "/"))
                .isInstanceOf(ConnectException.class);
        assertThat(proxy.adminAddress().getAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void aGatewayMayBindEverythingOnTheWildcard() throws Exception {
        proxy = start("127.0.0.106", 8093, ProxyOptions.Wildcard.ALL);
        assertThat(TestHttp.get(new InetSocketAddress("127.0.0.1", 8093), "a", "/")
                        .status())
                .isEqualTo(503);
    }

    @Test
    void withoutWildcardNothingAnswersOnLocalhost() throws Exception {
        proxy = start("127.0.0.107", 8094, ProxyOptions.Wildcard.NONE);
        assertThatThrownBy(() -> TestHttp.get(
                        new InetSocketAddress("127.0.0.1", proxy.adminAddress().getPort()), "a", "/ready"))
                .isInstanceOf(ConnectException.class);
    }
}
