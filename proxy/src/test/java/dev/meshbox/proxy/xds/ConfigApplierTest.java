package dev.meshbox.proxy.xds;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The xDS layer's merge and warming rules, and NACKs that keep the last good config serving. */
class ConfigApplierTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";

    private final EmbeddedProxy proxy = new EmbeddedProxy(1);

    @AfterEach
    void close() {
        proxy.close();
    }

    private ProxyConfig config() {
        return proxy.applier().config().get();
    }

    /** {@code listener} with one more HTTP filter, of a type nobody knows, before the router. */
    private static Listener withUnknownFilter(Listener listener) throws Exception {
        var chain = listener.getFilterChains(0);
        HttpConnectionManager hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        HttpConnectionManager.Builder b = hcm.toBuilder();
        b.addHttpFilters(
                b.getHttpFiltersCount() - 1,
                HttpFilter.newBuilder()
                        .setName("acme.filters.http.magic")
                        .setTypedConfig(Any.pack(StringValue.of("abracadabra"))));
        return listener.toBuilder()
                .setFilterChains(
                        0,
                        chain.toBuilder()
                                .setFilters(0, chain.getFilters(0).toBuilder().setTypedConfig(Any.pack(b.build()))))
                .build();
    }

    @Test
    void aListenerWithAnUnknownRequiredFilterIsNackedNamingItAndTheOldListenersKeepServing() throws Exception {
        proxy.listeners(virtualOutbound(), outboundPort(9080));
        ProxyConfig before = config();

        String nack = proxy.tryApply(TypeUrls.LISTENER, virtualOutbound(), withUnknownFilter(outboundPort(9080)));

        assertThat(nack)
                .startsWith("listener 0.0.0.0_9080.filter_chains[0].filters[0] (envoy.filters.network.http_connection_"
                        + "manager).typed_config.http_filters[6] (acme.filters.http.magic).typed_config: unknown HTTP "
                        + "filter type type.googleapis.com/google.protobuf.StringValue");
        assertThat(config()).isSameAs(before);
        assertThat(config().filtersOf(config().listeners().get("0.0.0.0_9080").firstHcm())
                        .names())
                .endsWith("envoy.filters.http.router");
    }

    @Test
    void anEdsClusterWarmsUntilItsEndpointsArriveWhileItsPreviousVersionServes() {
        proxy.clusters(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN));
        assertThat(config().clusters()).doesNotContainKey(REVIEWS);
        assertThat(proxy.applier().warmingClusters()).containsExactly(REVIEWS);

        proxy.endpoints(cla(REVIEWS, "127.0.0.21:9080"));
        assertThat(config().clusters().get(REVIEWS).hosts()).hasSize(1);

        proxy.clusters(
                edsCluster(REVIEWS, Cluster.LbPolicy.LEAST_REQUEST), edsCluster(RATINGS, Cluster.LbPolicy.ROUND_ROBIN));
        assertThat(config().clusters().get(REVIEWS).spec().lbPolicy().name())
                .as("the endpoints of the new version are known: it serves at once")
                .isEqualTo("LEAST_REQUEST");
        assertThat(proxy.applier().warmingClusters()).containsExactly(RATINGS);

        assertThat(proxy.applier().finishWarming(Set.of(RATINGS))).isTrue();
        assertThat(config().clusters().get(RATINGS).hosts())
                .as("initial_fetch_timeout: serves empty")
                .isEmpty();
    }

    @Test
    void routeConfigurationsNotResentStayWhileTheListenersStillWantThem() {
        proxy.listeners(virtualOutbound(), outboundPort(9080), outboundPort(9081));
        assertThat(proxy.applier().wantedRouteNames()).containsExactly("9080", "9081");

        proxy.routes(
                routeConfig("9080", service("reviews", "default", 9080, route("r", prefix("/"), cluster(REVIEWS)))));
        proxy.routes(
                routeConfig("9081", service("ratings", "default", 9081, route("r", prefix("/"), cluster(RATINGS)))));
        assertThat(config().routes()).containsOnlyKeys("9080", "9081");

        proxy.listeners(virtualOutbound(), outboundPort(9081));
        proxy.routes(
                routeConfig("9081", service("ratings", "default", 9081, route("r", prefix("/"), cluster(RATINGS)))));
        assertThat(config().routes()).as("9080 is no longer wanted").containsOnlyKeys("9081");
    }

    @Test
    void aResponseNamingOneResourceTwiceIsNacked() {
        String nack = proxy.tryApply(
                TypeUrls.CLUSTER,
                edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN),
                edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN));
        assertThat(nack).isEqualTo("Cluster " + REVIEWS + ": appears twice in one response");
    }
}
