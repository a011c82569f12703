package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.GatewayApiFixture.BOOKINFO_GATEWAY;
import static dev.meshbox.controlplane.testing.GatewayApiFixture.REVIEWS_90_10;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.GatewayApiFixture;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gateway API YAML in, the Envoy resources Istio would send out: gateway listeners and routes, sidecar routes. */
class GatewayApiTranslationTest {

    private static XdsResources translate(dev.meshbox.controlplane.registry.Pod proxy, String... yaml) {
        MeshView view = new MeshView(
                GatewayApiFixture.config(yaml), GatewayApiFixture.registry().snapshot());
        return Translator.translate(view, proxy);
    }

    private static List<Route> routes(XdsResources r, String config, String vhost) {
        RouteConfiguration rc = r.routes().stream()
                .filter(c -> c.getName().equals(config))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no route config " + config + " in " + r.routes()));
        VirtualHost vh = rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals(vhost))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no virtual host " + vhost + " in " + rc));
        return vh.getRoutesList();
    }

    @Test
    void gatewayPodListensOnTheUnprivilegedPortWithPathSeparatedPrefixes() {
        XdsResources r = translate(GatewayApiFixture.GATEWAY_POD, BOOKINFO_GATEWAY);
        assertThat(r.listeners())
                .extracting(l -> l.getAddress().getSocketAddress().getPortValue())
                .containsExactly(8080);
        List<Route> routes = routes(r, "http.80", "*:80");
        assertThat(routes)
                .extracting(x -> x.getMatch().getPath() + x.getMatch().getPathSeparatedPrefix())
                .containsExactly("/productpage", "/logout", "/login", "/api/v1/products", "/static");
        assertThat(routes.get(3).getMatch().hasPathSeparatedPrefix()).isTrue();
        assertThat(routes).allSatisfy(x -> {
            assertThat(x.getRoute().getCluster()).isEqualTo("outbound|9080||productpage.default.svc.cluster.local");
            assertThat(x.getRoute().getClusterNotFoundResponseCode())
                    .isEqualTo(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        });
    }

    @Test
    void theIstioIngressGatewayDoesNotServeAGatewayApiGateway() {
        XdsResources r = translate(BookinfoFixture.GATEWAY, BOOKINFO_GATEWAY);
        assertThat(r.listeners()).isEmpty();
    }

    @Test
    void missingBackendKeepsItsClusterSoEnvoyAnswers500() {
        XdsResources r =
                translate(GatewayApiFixture.GATEWAY_POD, BOOKINFO_GATEWAY.replace("name: productpage", "name: gone"));
        assertThat(routes(r, "http.80", "*:80").get(0).getRoute().getCluster())
                .isEqualTo("outbound|9080||gone.default.svc.cluster.local");
        assertThat(r.clusters()).noneMatch(c -> c.getName().contains("gone"));
    }

    @Test
    void serviceParentRoutesTheSidecarsByWeight() {
        XdsResources r = translate(BookinfoFixture.PRODUCTPAGE, REVIEWS_90_10);
        List<Route> routes = routes(r, "9080", "reviews.default.svc.cluster.local:9080");
        assertThat(routes).hasSize(1);
        assertThat(routes.get(0).getRoute().getWeightedClusters().getClustersList())
                .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
                .containsExactly(
                        "outbound|9080||reviews-v1.default.svc.cluster.local=90",
                        "outbound|9080||reviews-v2.default.svc.cluster.local=10");
        // Other services keep their default route.
        assertThat(routes(r, "9080", "ratings.default.svc.cluster.local:9080")
                        .get(0)
                        .getName())
                .isEqualTo("default");
    }

    private static final String REVIEWS_V3_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews-v3}
            """;

    private static List<String> reviewsClusters(XdsResources r) {
        Route route =
                routes(r, "9080", "reviews.default.svc.cluster.local:9080").get(0);
        return route.getRoute().hasWeightedClusters()
                ? route.getRoute().getWeightedClusters().getClustersList().stream()
                        .map(c -> c.getName())
                        .toList()
                : List.of(route.getRoute().getCluster());
    }

    /**
     * Both become VirtualServices for reviews on the sidecars, and, as between two VirtualServices, the older one
     * routes and the newer one is ignored with a warning.
     */
    @Test
    void anHttpRouteAndAVirtualServiceForOneHostTheOlderWins() {
        XdsResources routeFirst = translate(BookinfoFixture.PRODUCTPAGE, REVIEWS_90_10, REVIEWS_V3_VS);
        assertThat(reviewsClusters(routeFirst))
                .containsExactly(
                        "outbound|9080||reviews-v1.default.svc.cluster.local",
                        "outbound|9080||reviews-v2.default.svc.cluster.local");
        assertThat(routeFirst.warnings())
                .anySatisfy(
                        w -> assertThat(w)
                                .startsWith(
                                        "VirtualService default/reviews: host reviews.default.svc"
                                                + ".cluster.local is already routed by VirtualService default/reviews-0-istio-autogenerated"));

        XdsResources vsFirst = translate(BookinfoFixture.PRODUCTPAGE, REVIEWS_V3_VS, REVIEWS_90_10);
        assertThat(reviewsClusters(vsFirst)).containsExactly("outbound|9080||reviews-v3.default.svc.cluster.local");
    }

    /** Istio strips a prefix replaced by "/" with a regex rewrite ({@code ^/api(/?)(.*)} to {@code /\\2}). */
    @Test
    void replacingAPrefixWithSlashStripsItWithARegexRewrite() {
        XdsResources r = translate(GatewayApiFixture.GATEWAY_POD, BOOKINFO_GATEWAY, """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: strip
                spec:
                  parentRefs:
                  - name: bookinfo-gateway
                  hostnames: [strip.example.com]
                  rules:
                  - matches:
                    - path: {type: PathPrefix, value: /api.v1/}
                    filters:
                    - type: URLRewrite
                      urlRewrite:
                        path: {type: ReplacePrefixMatch, replacePrefixMatch: /}
                    backendRefs:
                    - {name: productpage, port: 9080}
                  - matches:
                    - path: {type: PathPrefix, value: /old}
                    filters:
                    - type: URLRewrite
                      urlRewrite:
                        path: {type: ReplacePrefixMatch, replacePrefixMatch: /new/}
                    backendRefs:
                    - {name: productpage, port: 9080}
                """);
        List<Route> routes = routes(r, "http.80", "strip.example.com:80");
        var strip = routes.stream()
                .filter(x -> x.getMatch().getPathSeparatedPrefix().equals("/api.v1"))
                .findFirst()
                .orElseThrow()
                .getRoute();
        assertThat(strip.getPrefixRewrite()).isEmpty();
        assertThat(strip.getRegexRewrite().getPattern().getRegex()).isEqualTo("^/api\\.v1(/?)(.*)");
        assertThat(strip.getRegexRewrite().getSubstitution()).isEqualTo("/\\2");
        var replace = routes.stream()
                .filter(x -> x.getMatch().getPathSeparatedPrefix().equals("/old"))
                .findFirst()
                .orElseThrow()
                .getRoute();
        assertThat(replace.getPrefixRewrite()).isEqualTo("/new");
    }
}
