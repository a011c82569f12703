package dev.meshbox.proxy.router;

import static dev.meshbox.proxy.testing.XdsFixtures.allowAny;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.passthrough;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.FullHttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clusters without EDS: ORIGINAL_DST (PassthroughCluster, a ServiceEntry with resolution NONE) sends each request to
 * the destination its Host names; STRICT_DNS and LOGICAL_DNS (resolution DNS and DNS_ROUND_ROBIN) to the addresses
 * their endpoints' names resolve to.
 */
class OriginalDestinationTest {

    private final EmbeddedProxy proxy = new EmbeddedProxy(7);

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void allowAnySendsAnUnknownHostToItsOriginalDestination() {
        proxy.listeners(virtualOutbound(), outboundPort(8000))
                .routes(routeConfig("8000", allowAny()))
                .clusters(passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/status/418", "127.0.0.41:8000");
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next("127.0.0.41:8000");
        assertThat(arrived).as("the request reached the address its Host names").isNotNull();
        arrived.respond(418, "teapot");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(418);
        AccessLogEntry entry = proxy.lastLogEntry();
        assertThat(entry.upstreamCluster()).isEqualTo("PassthroughCluster");
        assertThat(entry.upstreamHost()).isEqualTo("127.0.0.41:8000");
        assertThat(entry.routeName()).isEqualTo("allow_any");
    }

    @Test
    void aHostWithoutAPortGoesToPort80() {
        proxy.listeners(virtualOutbound(), outboundPort(80))
                .routes(routeConfig("80", allowAny()))
                .clusters(passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/", "127.0.0.42");

        assertThat(proxy.upstreams().next("127.0.0.42:80")).isNotNull();
    }

    @Test
    void anUnresolvableOriginalDestinationFindsNoHealthyUpstream() {
        proxy.listeners(virtualOutbound(), outboundPort(8000))
                .routes(routeConfig("8000", allowAny()))
                .clusters(passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/", "no-such-host.invalid:8000");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(503);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UH");
    }

    @Test
    void strictDnsResolvesItsEndpointsNamesAndLogicalDnsKeepsTheFirstAddress() {
        Cluster strict = dns("outbound|80||api.example.com", Cluster.DiscoveryType.STRICT_DNS, "127.0.0.51", 9000);
        VirtualHost api = VirtualHost.newBuilder()
                .setName("api.example.com:80")
                .addDomains("api.example.com")
                .addRoutes(route("api", prefix("/"), cluster(strict.getName())))
                .build();
        proxy.listeners(virtualOutbound(), outboundPort(80))
                .routes(routeConfig("80", api, allowAny()))
                .clusters(strict, passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/headers", "api.example.com");
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next("127.0.0.51:9000");
        assertThat(arrived).isNotNull();
        assertThat(arrived.header("host")).isEqualTo("api.example.com");
        arrived.respond(200, "{}");
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.lastLogEntry().upstreamCluster()).isEqualTo("outbound|80||api.example.com");
    }

    @Test
    void underAllowAnyAPortNoServiceUsesPassesThroughToTheOriginalDestination() {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", allowAny()))
                .clusters(passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/anything", "127.0.0.43:18443");
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next("127.0.0.43:18443");
        assertThat(arrived)
                .as("the request reached the address and port its Host names")
                .isNotNull();
        arrived.respond(200, "outside");

        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.lastLogEntry().upstreamCluster()).isEqualTo("PassthroughCluster");
    }

    @Test
    void underRegistryOnlyAPortNoServiceUsesClosesTheConnectionWithoutAnAnswer() {
        Cluster blackHole = Cluster.newBuilder()
                .setName("BlackHoleCluster")
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromSeconds(10))
                .build();
        var outbound = virtualOutbound().toBuilder();
        outbound.getFilterChainsBuilder(0)
                .getFiltersBuilder(0)
                .setTypedConfig(com.google.protobuf.Any.pack(
                        io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                                .setStatPrefix("BlackHoleCluster")
                                .setCluster("BlackHoleCluster")
                                .build()));
        proxy.listeners(outbound.build(), outboundPort(9080))
                .routes(routeConfig("9080", allowAny()))
                .clusters(blackHole, passthrough());
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);

        client.get("/", "httpbin.org");

        assertThat(client.response()).as("no answer").isNull();
        assertThat(client.isOpen()).isFalse();
    }

    private static Cluster dns(String name, Cluster.DiscoveryType type, String address, int port) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(type)
                .setConnectTimeout(Durations.fromSeconds(10))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder()
                                        .setEndpoint(Endpoint.newBuilder()
                                                .setAddress(Address.newBuilder()
                                                        .setSocketAddress(SocketAddress.newBuilder()
                                                                .setAddress(address)
                                                                .setPortValue(port)))))))
                .build();
    }
}
