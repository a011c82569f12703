package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.StringMatch;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Delegation, YAML in and the sidecar's Envoy routes out, as Istio's mergeVirtualServicesIfNeeded merges. */
class DelegateMergerTest {

    private static final String ROOT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews-root}
            spec:
              hosts: [reviews]
              http:
              - name: a
                match:
                - uri: {prefix: /a}
                timeout: 2s
                headers:
                  request:
                    set: {x-root: "yes"}
                delegate: {name: reviews-a}
              - route:
                - destination: {host: reviews, subset: v3}
            """;

    private static final String DELEGATE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews-a}
            spec:
              http:
              - name: two
                match:
                - uri: {prefix: /a/v2}
                  headers: {end-user: {exact: jason}}
                route:
                - destination: {host: reviews, subset: v2}
              - name: elsewhere
                match:
                - uri: {prefix: /b}
                route:
                - destination: {host: reviews, subset: v2}
              - timeout: 5s
                headers:
                  request:
                    set: {x-delegate: "yes"}
                route:
                - destination: {host: reviews, subset: v1}
            """;

    @Test
    void aRootRuleIsReplacedByItsDelegatesRulesNarrowedToTheRootMatch() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text(), DELEGATE, ROOT);
        XdsResources r = Translator.translate(view, BookinfoFixture.PRODUCTPAGE);
        List<Route> routes = reviewsRoutes(r);

        assertThat(routes).extracting(Route::getName).containsExactly("a-two", "a", "");
        Route two = routes.get(0);
        assertThat(two.getMatch().getPrefix()).isEqualTo("/a/v2");
        assertThat(two.getMatch().getHeaders(0).getStringMatch().getExact()).isEqualTo("jason");
        assertThat(two.getRoute().getCluster()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(two.getRoute().getTimeout().getSeconds())
                .as("the root's timeout")
                .isEqualTo(2);
        assertThat(two.getRequestHeadersToAddList())
                .extracting(h -> h.getHeader().getKey())
                .as("the root's headers, the delegate rule having none")
                .containsExactly("x-root");

        Route rest = routes.get(1);
        assertThat(rest.getMatch().getPrefix())
                .as("the root's match for a delegate rule without one")
                .isEqualTo("/a");
        assertThat(rest.getRoute().getCluster()).contains("|v1|");
        assertThat(rest.getRoute().getTimeout().getSeconds())
                .as("the delegate's own timeout")
                .isEqualTo(5);
        assertThat(rest.getRequestHeadersToAddList())
                .extracting(h -> h.getHeader().getKey())
                .containsExactly("x-delegate");

        assertThat(routes.get(2).getMatch().getPrefix()).isEqualTo("/");
        assertThat(routes.get(2).getRoute().getCluster()).contains("|v3|");
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .startsWith("VirtualService default/reviews-a: spec.http[1]: its match conflicts with the"
                                + " match of its root VirtualService default/reviews-root spec.http[0]"));
    }

    @Test
    void theRootsCorsPolicyAndMirrorsApplyToDelegateRulesWithoutTheirOwn() {
        String root = ROOT.replace("    timeout: 2s\n", """
                    timeout: 2s
                    corsPolicy:
                      allowOrigins: [{exact: "https://shop.example.com"}]
                      allowMethods: [GET]
                    mirrors:
                    - destination: {host: ratings}
                """);
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), DELEGATE, root), BookinfoFixture.PRODUCTPAGE);
        Route two = reviewsRoutes(r).get(0);
        assertThat(two.getName()).isEqualTo("a-two");
        assertThat(two.getTypedPerFilterConfigMap()).containsKey("envoy.filters.http.cors");
        assertThat(two.getRoute().getRequestMirrorPoliciesList())
                .extracting(m -> m.getCluster())
                .containsExactly("outbound|9080||ratings.default.svc.cluster.local");
    }

    @Test
    void aMissingDelegateLeavesItsRootRuleOutAndRequestsFallThrough() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), ROOT), BookinfoFixture.PRODUCTPAGE);
        List<Route> routes = reviewsRoutes(r);
        assertThat(routes).hasSize(1);
        assertThat(routes.get(0).getMatch().getPrefix()).isEqualTo("/");
        assertThat(routes.get(0).getRoute().getCluster()).contains("|v3|");
        assertThat(r.warnings())
                .contains("VirtualService default/reviews-root: spec.http[0].delegate: Referenced delegate"
                        + " VirtualService not found: \"default/reviews-a\" (IST0101); the rule is left out and its"
                        + " requests fall through to the rules after it");
    }

    @Test
    void aDelegateNotExportedToTheRootsNamespaceIsNotUsed() {
        String elsewhere = DELEGATE.replace(
                        "metadata: {name: reviews-a}", "metadata: {name: reviews-a, namespace: team-a}")
                .replace("spec:\n", "spec:\n  exportTo: [\".\"]\n")
                .replace("host: reviews,", "host: reviews.default,");
        String root = ROOT.replace("delegate: {name: reviews-a}", "delegate: {name: reviews-a, namespace: team-a}");
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), elsewhere, root), BookinfoFixture.PRODUCTPAGE);
        assertThat(reviewsRoutes(r)).hasSize(1);
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("delegate VirtualService team-a/reviews-a is not exported to namespace default"));

        XdsResources exported = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), elsewhere.replace("[\".\"]", "[default]"), root),
                BookinfoFixture.PRODUCTPAGE);
        assertThat(reviewsRoutes(exported)).extracting(Route::getName).containsExactly("a-two", "a", "");
    }

    @Test
    void aDelegateAloneRoutesNothing() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), DELEGATE), BookinfoFixture.PRODUCTPAGE);
        List<Route> routes = reviewsRoutes(r);
        assertThat(routes).extracting(Route::getName).containsExactly("default");
        assertThat(r.warnings())
                .contains("VirtualService default/reviews-a: spec.hosts: none, so it is a delegate, and no root"
                        + " VirtualService delegates to it: it routes nothing");
    }

    @Test
    void aDelegateInAnotherNamespaceMeansItsOwnNamespacesServices() {
        String delegate = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: d, namespace: team-a}
                spec:
                  http:
                  - route:
                    - destination: {host: ratings}
                """;
        String root = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - delegate: {name: d, namespace: team-a}
                """;
        XdsResources r = Translator.translate(BookinfoFixture.view(delegate, root), BookinfoFixture.PRODUCTPAGE);
        assertThat(reviewsRoutes(r))
                .as("no route left: the service's default, as Istio gives it")
                .extracting(Route::getName)
                .containsExactly("default");
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w).contains("destination host \"ratings.team-a.svc.cluster.local\""));
    }

    @Test
    void aRootBoundToAGatewayDelegatesThere() {
        String gateway = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: bookinfo-gateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*"]
                """;
        String root = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bookinfo}
                spec:
                  hosts: ["*"]
                  gateways: [bookinfo-gateway]
                  http:
                  - match:
                    - uri: {prefix: /reviews}
                    delegate: {name: reviews-a}
                """;
        String delegate = DELEGATE.replace("/a/v2", "/reviews/v2");
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), gateway, root, delegate), BookinfoFixture.GATEWAY);
        List<Route> routes = r.routes().stream()
                .filter(x -> x.getName().equals("http.80"))
                .findFirst()
                .orElseThrow()
                .getVirtualHosts(0)
                .getRoutesList();
        assertThat(routes).extracting(x -> x.getMatch().getPrefix()).containsExactly("/reviews/v2", "/reviews");
        assertThat(routes)
                .extracting(x -> x.getRoute().getCluster())
                .allMatch(c -> c.endsWith("reviews.default.svc.cluster.local"));
    }

    /** {name, root match, delegate match, whether they conflict}: Istio's stringMatchConflict. */
    static Stream<Arguments> stringMatches() {
        return Stream.of(
                Arguments.of("unset root", null, prefix("/x"), false),
                Arguments.of("unset delegate", prefix("/a"), null, false),
                Arguments.of("prefix inside prefix", prefix("/a"), prefix("/a/b"), false),
                Arguments.of("prefix outside prefix", prefix("/a/b"), prefix("/a"), true),
                Arguments.of("exact inside prefix", prefix("/a"), exact("/a/x"), false),
                Arguments.of("same exact", exact("/a"), exact("/a"), false),
                Arguments.of("other exact", exact("/a"), exact("/b"), true),
                Arguments.of("prefix under exact", exact("/a"), prefix("/a"), true),
                Arguments.of("regex root", new StringMatch(StringMatch.Kind.REGEX, "/a.*"), prefix("/a"), true),
                Arguments.of("regex delegate", prefix("/a"), new StringMatch(StringMatch.Kind.REGEX, "/a.*"), true),
                Arguments.of("presence on both", StringMatch.PRESENT_MATCH, StringMatch.PRESENT_MATCH, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stringMatches")
    void aDelegateMatchMustLieInsideItsRootMatch(String name, StringMatch root, StringMatch leaf, boolean conflict) {
        assertThat(DelegateMerger.conflicts(Optional.ofNullable(root), Optional.ofNullable(leaf)))
                .isEqualTo(conflict);
    }

    private static StringMatch prefix(String p) {
        return new StringMatch(StringMatch.Kind.PREFIX, p);
    }

    private static StringMatch exact(String p) {
        return new StringMatch(StringMatch.Kind.EXACT, p);
    }

    private static List<Route> reviewsRoutes(XdsResources r) {
        RouteConfiguration rc = r.routes().stream()
                .filter(x -> x.getName().equals("9080"))
                .findFirst()
                .orElseThrow();
        return rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals("reviews.default.svc.cluster.local:9080"))
                .findFirst()
                .orElseThrow()
                .getRoutesList();
    }
}
