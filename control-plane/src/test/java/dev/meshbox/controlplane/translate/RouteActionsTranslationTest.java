package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * rewrite, host rewrite, redirect, corsPolicy and mirrors: VirtualService YAML in, the reviews routes productpage's
 * sidecar gets out, compared with what Istio's {@code route.go} writes.
 */
class RouteActionsTranslationTest {

    private static List<Route> reviewsRoutes(String rules) {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: reviews}
                        spec:
                          hosts: [reviews]
                          http:
                        """ + rules), BookinfoFixture.PRODUCTPAGE);
        assertThat(r.warnings()).isEmpty();
        return r.routes().stream()
                .filter(rc -> rc.getName().equals("9080"))
                .flatMap(rc -> rc.getVirtualHostsList().stream())
                .filter(vh -> vh.getName().startsWith("reviews."))
                .findFirst()
                .orElseThrow()
                .getRoutesList();
    }

    static Stream<Arguments> uriRewrites() {
        return Stream.of(
                Arguments.of("prefix: {prefix: /old}", "prefix"),
                Arguments.of("exact: {exact: /old}", "path"),
                Arguments.of("regex: {regex: \"/old[0-9]+\"}", "safe_regex"));
    }

    /** Istio writes prefix_rewrite after any match kind; Envoy replaces what the match matched (PathRewriteTest). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("uriRewrites")
    void rewriteUriIsAPrefixRewriteAfterEveryMatchKind(String match, String pathSpecifier) {
        String kind = match.substring(0, match.indexOf(':'));
        String value = match.substring(match.indexOf(':') + 2);
        Route r = reviewsRoutes("""
                  - match:
                    - uri: %s
                    rewrite: {uri: /new}
                    route:
                    - destination: {host: reviews, subset: v1}
                """.formatted(value)).get(0);
        assertThat(r.getMatch().getPathSpecifierCase().name().toLowerCase(java.util.Locale.ROOT))
                .isEqualTo(pathSpecifier);
        assertThat(r.getRoute().getPrefixRewrite()).as(kind).isEqualTo("/new");
        assertThat(r.getRoute().hasRegexRewrite()).isFalse();
    }

    @Test
    void uriRegexRewriteIsARegexRewrite() {
        Route r = reviewsRoutes("""
                  - rewrite:
                      uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "/customprefix\\\\2/\\\\1"}
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0);
        assertThat(r.getRoute().getRegexRewrite().getPattern().getRegex()).isEqualTo("^/service/([^/]+)(/.*)$");
        assertThat(r.getRoute().getRegexRewrite().getSubstitution()).isEqualTo("/customprefix\\2/\\1");
        assertThat(r.getRoute().getPrefixRewrite()).isEmpty();
    }

    @Test
    void hostSetOnASingleDestinationIsAHostRewriteAndNeverAHeader() {
        Route r = reviewsRoutes("""
                  - route:
                    - destination: {host: reviews, subset: v1}
                      headers:
                        request:
                          set: {Host: dest.example, x-keep: "1"}
                """).get(0);
        assertThat(r.getRoute().getHostRewriteLiteral()).isEqualTo("dest.example");
        assertThat(r.getRequestHeadersToAddList())
                .extracting(h -> h.getHeader().getKey())
                .containsExactly("x-keep");
    }

    @Test
    void theRulesAuthorityWinsOverTheDestinationsAndRewriteAuthorityOverBoth() {
        Route both = reviewsRoutes("""
                  - headers:
                      request:
                        set: {":authority": rule.example}
                    route:
                    - destination: {host: reviews, subset: v1}
                      headers:
                        request:
                          set: {":authority": dest.example}
                """).get(0);
        assertThat(both.getRoute().getHostRewriteLiteral()).isEqualTo("rule.example");
        Route rewrite = reviewsRoutes("""
                  - headers:
                      request:
                        add: {host: rule.example}
                    rewrite: {authority: rewrite.example}
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0);
        assertThat(rewrite.getRoute().getHostRewriteLiteral()).isEqualTo("rewrite.example");
        assertThat(rewrite.getRequestHeadersToAddList()).isEmpty();
    }

    @Test
    void weightedDestinationsRewriteTheHostOnTheirOwnClusterWeight() {
        RouteAction a = reviewsRoutes("""
                  - headers:
                      request:
                        set: {host: rule.example}
                    route:
                    - destination: {host: reviews, subset: v1}
                      weight: 50
                      headers:
                        request:
                          set: {":authority": v1.example, x-v: "1"}
                          remove: [x-gone]
                    - destination: {host: reviews, subset: v2}
                      weight: 50
                """).get(0).getRoute();
        assertThat(a.getHostRewriteLiteral()).isEqualTo("rule.example");
        var v1 = a.getWeightedClusters().getClusters(0);
        assertThat(v1.getHostRewriteLiteral()).isEqualTo("v1.example");
        assertThat(v1.getRequestHeadersToAddList())
                .extracting(h -> h.getHeader().getKey())
                .containsExactly("x-v");
        assertThat(v1.getRequestHeadersToRemoveList()).containsExactly("x-gone");
        assertThat(a.getWeightedClusters().getClusters(1).getHostRewriteLiteral())
                .isEmpty();
    }

    static Stream<Arguments> redirects() {
        return Stream.of(
                // redirect, port_redirect, scheme_redirect
                Arguments.of("{uri: /r, derivePort: FROM_REQUEST_PORT}", 9080, ""),
                Arguments.of("{uri: /r, derivePort: FROM_PROTOCOL_DEFAULT}", 0, ""),
                Arguments.of("{uri: /r, port: 8443, scheme: https}", 8443, "https"),
                Arguments.of("{uri: /r, port: 443, scheme: https}", 0, "https"),
                Arguments.of("{uri: /r, port: 80}", 0, ""),
                Arguments.of("{uri: /r, port: 80, scheme: https}", 80, "https"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redirects")
    void redirectPortsFollowIstiosApplyRedirect(String redirect, int port, String scheme) {
        RedirectAction a =
                reviewsRoutes("  - redirect: " + redirect + "\n").get(0).getRedirect();
        assertThat(a.getPortRedirect()).isEqualTo(port);
        assertThat(a.getSchemeRedirect()).isEqualTo(scheme);
        assertThat(a.getPathRedirect()).isEqualTo("/r");
    }

    @Test
    void redirectPrefixRewriteAndCodeAndAuthority() {
        RedirectAction a = reviewsRoutes("""
                  - match: [{uri: {prefix: /v1/}}]
                    redirect: {prefixRewrite: /v2/, authority: new.example, redirectCode: 307}
                """).get(0).getRedirect();
        assertThat(a.getPrefixRewrite()).isEqualTo("/v2/");
        assertThat(a.hasPathRedirect()).isFalse();
        assertThat(a.getHostRedirect()).isEqualTo("new.example");
        assertThat(a.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT);
    }

    @Test
    void corsPolicyBecomesTheCorsFiltersPerRouteConfig() throws Exception {
        Route r = reviewsRoutes("""
                  - corsPolicy:
                      allowOrigins: [{exact: "https://a.example"}, {prefix: "https://b."}, {regex: ".*\\\\.c\\\\.example"}]
                      allowMethods: [GET, POST]
                      allowHeaders: [x-one, x-two]
                      exposeHeaders: [x-out]
                      maxAge: 24h
                      allowCredentials: true
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0);
        CorsPolicy p =
                r.getTypedPerFilterConfigOrThrow("envoy.filters.http.cors").unpack(CorsPolicy.class);
        assertThat(p.getAllowOriginStringMatchList())
                .extracting(m -> m.getExact() + m.getPrefix() + m.getSafeRegex().getRegex())
                .containsExactly("https://a.example", "https://b.", ".*\\.c\\.example");
        assertThat(p.getAllowMethods()).isEqualTo("GET,POST");
        assertThat(p.getAllowHeaders()).isEqualTo("x-one,x-two");
        assertThat(p.getExposeHeaders()).isEqualTo("x-out");
        assertThat(p.getMaxAge()).isEqualTo("86400");
        assertThat(p.getAllowCredentials().getValue()).isTrue();
        assertThat(p.getForwardNotMatchingPreflights().getValue()).isTrue();
        assertThat(p.getFilterEnabled().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(p.getFilterEnabled().getDefaultValue().getDenominator())
                .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
    }

    @Test
    void unmatchedPreflightsIgnoreStopsForwardingAndCredentialsStayUnsetWhenNotGiven() throws Exception {
        Route r = reviewsRoutes("""
                  - corsPolicy:
                      allowOrigins: [{exact: "https://a.example"}]
                      unmatchedPreflights: IGNORE
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0);
        CorsPolicy p =
                r.getTypedPerFilterConfigOrThrow("envoy.filters.http.cors").unpack(CorsPolicy.class);
        assertThat(p.getForwardNotMatchingPreflights().getValue()).isFalse();
        assertThat(p.hasAllowCredentials()).isFalse();
        assertThat(p.getMaxAge()).isEmpty();
    }

    @Test
    void mirrorsAndMirrorPercentageBecomeRequestMirrorPolicies() {
        RouteAction a = reviewsRoutes("""
                  - mirrors:
                    - destination: {host: reviews, subset: v2}
                      percentage: {value: 25}
                    - destination: {host: reviews, subset: v3}
                    - destination: {host: ratings}
                      percentage: {value: 0}
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0).getRoute();
        assertThat(a.getRequestMirrorPoliciesList())
                .extracting(m -> m.getCluster() + "="
                        + m.getRuntimeFraction().getDefaultValue().getNumerator())
                .containsExactly(
                        "outbound|9080|v2|reviews.default.svc.cluster.local=250000",
                        "outbound|9080|v3|reviews.default.svc.cluster.local=1000000");
        RouteAction zero = reviewsRoutes("""
                  - mirror: {host: reviews, subset: v2}
                    mirrorPercentage: {value: 0}
                    route:
                    - destination: {host: reviews, subset: v1}
                """).get(0).getRoute();
        assertThat(zero.getRequestMirrorPoliciesList()).isEmpty();
    }

    @Test
    void gatewayRoutesIgnoreTheHostsPortAsIstiosDo() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(dev.meshbox.controlplane.testing.BookinfoYaml.GATEWAY.text()),
                BookinfoFixture.GATEWAY);
        assertThat(r.routes())
                .allSatisfy(rc -> assertThat(rc.getIgnorePortInHostMatching())
                        .as(rc.getName())
                        .isTrue());
    }
}
