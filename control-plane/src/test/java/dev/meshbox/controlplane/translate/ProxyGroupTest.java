package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Proxies that would get equal resources are translated once and hold the same objects (one group), down to the
 * snapshot's per-type maps; what differs between proxies (labels matched by {@code sourceLabels}, a pod's own app
 * address) still gives each its own.
 */
class ProxyGroupTest {

    /** A reviews v1 replica: its own name and IP, the app on 127.0.0.1 as in Kubernetes and Docker. */
    private static Pod reviewsV1(int replica, String appAddress) {
        return new Pod(
                "reviews-v1-" + replica,
                "default",
                "127.10.1." + replica,
                appAddress,
                Map.of("app", "reviews", "version", "v1"),
                Pod.ProxyKind.SIDECAR,
                true);
    }

    private static final String ROUTE_BY_SOURCE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - sourceLabels: {app: productpage}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: reviews, subset: v1}
            """;

    @Test
    void replicasWithTheSameNamespaceLabelsAndAppAddressShareOneTranslation() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text());
        List<XdsResources> r =
                Translator.translateAll(view, List.of(reviewsV1(1, "127.0.0.1"), reviewsV1(2, "127.0.0.1")));

        assertThat(r.get(1)).isSameAs(r.get(0));
        // Grouping changes nothing a proxy receives: the same as translating it alone.
        assertThat(r.get(1)).isEqualTo(Translator.translate(view, reviewsV1(2, "127.0.0.1")));
    }

    @Test
    void podsWithTheirOwnAppAddressShareEverythingButTheirClusters() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text());
        List<XdsResources> r = Translator.translateAll(
                view, List.of(reviewsV1(1, "127.20.1.1"), reviewsV1(2, "127.20.1.2"), BookinfoFixture.PRODUCTPAGE));

        assertThat(r.get(1).routes()).isSameAs(r.get(0).routes());
        assertThat(r.get(1).listeners()).isSameAs(r.get(0).listeners());
        assertThat(r.get(1).endpoints()).isSameAs(r.get(0).endpoints());
        // Another deployment of the namespace, on the same ports: the same routes, listeners and endpoints too.
        assertThat(r.get(2).routes()).isSameAs(r.get(0).routes());
        assertThat(r.get(2).endpoints()).isSameAs(r.get(0).endpoints());
        assertThat(inboundAddress(r.get(0))).isEqualTo("127.20.1.1");
        assertThat(inboundAddress(r.get(1))).isEqualTo("127.20.1.2");
        assertThat(r.get(1).clusters())
                .extracting(Cluster::getName)
                .containsExactlyElementsOf(
                        r.get(0).clusters().stream().map(Cluster::getName).toList());
    }

    @Test
    void aProxyWithOtherLabelsGetsItsOwnRoutesWhenSourceLabelsMatter() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text(), ROUTE_BY_SOURCE);
        List<XdsResources> r = Translator.translateAll(
                view, List.of(BookinfoFixture.PRODUCTPAGE, BookinfoFixture.RATINGS, BookinfoFixture.DETAILS));

        assertThat(r.get(1).routes()).isNotSameAs(r.get(0).routes());
        assertThat(reviewsRoutes(r.get(0)).get(0).getRoute().getCluster())
                .isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(reviewsRoutes(r.get(1))).hasSize(1);
        assertThat(reviewsRoutes(r.get(1)).get(0).getRoute().getCluster())
                .isEqualTo("outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(reviewsRoutes(r.get(2))).isEqualTo(reviewsRoutes(r.get(1)));
        // What does not depend on labels is still shared.
        assertThat(r.get(1).endpoints()).isSameAs(r.get(0).endpoints());
    }

    @Test
    void withoutSourceLabelsEveryProxyOfANamespaceSharesItsRoutes() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text());
        List<XdsResources> r =
                Translator.translateAll(view, List.of(BookinfoFixture.PRODUCTPAGE, BookinfoFixture.RATINGS));

        assertThat(r.get(1).routes()).isSameAs(r.get(0).routes());
    }

    private static String inboundAddress(XdsResources r) {
        return r.clusters().stream()
                .filter(c -> c.getName().startsWith("inbound|"))
                .findFirst()
                .orElseThrow()
                .getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress();
    }

    private static List<Route> reviewsRoutes(XdsResources r) {
        RouteConfiguration rc = r.routes().stream()
                .filter(c -> c.getName().equals("9080"))
                .findFirst()
                .orElseThrow();
        return rc.getVirtualHostsList().stream()
                .filter(vh -> vh.getName().startsWith("reviews."))
                .findFirst()
                .orElseThrow()
                .getRoutesList();
    }
}
