package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

/** What a proxyless gRPC client of a namespace is served, as Istio's {@code grpcgen} shapes it. */
class ProxylessGrpcTranslationTest {

    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

    private static XdsResources translate(String namespace) {
        return ProxylessGrpc.translate(BookinfoFixture.view(DESTINATION_RULE_ALL.text(), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    timeout: 3s
                    route:
                    - destination: {host: reviews, subset: v2}
                  - fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 10}}}
                    route:
                    - destination: {host: reviews, subset: v1}
                      weight: 80
                    - destination: {host: reviews, subset: v3}
                      weight: 20
                """), namespace);
    }

    @Test
    void listenersAreNamedHostColonPortForEveryNameOfTheNamespace() throws Exception {
        XdsResources r = translate("default");
        assertThat(r.listeners())
                .extracting(Listener::getName)
                .contains(
                        "reviews:9080",
                        "reviews.default:9080",
                        "reviews.default.svc:9080",
                        "reviews.default.svc.cluster.local:9080");
        Listener l = r.listeners().stream()
                .filter(x -> x.getName().equals("reviews:9080"))
                .findFirst()
                .orElseThrow();
        HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(REVIEWS);
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(Names.FAULT, Names.ROUTER);
        // as Istio's tryFindFQDN, short forms are the client's own namespace's: another namespace's client writes the
        // FQDN
        assertThat(translate("other").listeners())
                .extracting(Listener::getName)
                .doesNotContain("reviews:9080", "reviews.default:9080", "reviews.default.svc:9080")
                .contains("reviews.default.svc.cluster.local:9080");
    }

    @Test
    void routesAreTheVirtualServicesWithTimeoutsAsMaxStreamDuration() {
        RouteConfiguration rc = translate("default").routes().stream()
                .filter(x -> x.getName().equals(REVIEWS))
                .findFirst()
                .orElseThrow();
        assertThat(rc.getVirtualHostsList()).hasSize(1);
        Route jason = rc.getVirtualHosts(0).getRoutes(0);
        assertThat(jason.getRoute().getCluster()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(jason.getRoute()
                        .getMaxStreamDuration()
                        .getMaxStreamDuration()
                        .getSeconds())
                .isEqualTo(3);
        Route split = rc.getVirtualHosts(0).getRoutes(1);
        assertThat(split.getRoute().getWeightedClusters().getClustersList())
                .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
                .containsExactly(
                        "outbound|9080|v1|reviews.default.svc.cluster.local=80",
                        "outbound|9080|v3|reviews.default.svc.cluster.local=20");
        assertThat(split.getRoute().hasMaxStreamDuration()).isFalse();
        assertThat(split.getTypedPerFilterConfigMap()).containsOnlyKeys(Names.FAULT);
    }

    @Test
    void clustersAreRoundRobinEdsOverAdsWithWeightedLocalities() {
        XdsResources r = translate("default");
        Cluster v1 = r.clusters().stream()
                .filter(c -> c.getName().equals("outbound|9080|v1|reviews.default.svc.cluster.local"))
                .findFirst()
                .orElseThrow();
        assertThat(v1.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
        assertThat(v1.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        assertThat(v1.hasTransportSocket()).isFalse();
        assertThat(v1.hasOutlierDetection()).isFalse();
        var cla = r.endpoints().stream()
                .filter(e -> e.getClusterName().equals(v1.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isPositive();
        assertThat(cla.getEndpoints(0).getLbEndpointsList()).hasSize(1);
        assertThat(r.clusters()).extracting(Cluster::getName).contains(REVIEWS);
    }
}
