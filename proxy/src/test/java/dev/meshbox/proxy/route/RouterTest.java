package dev.meshbox.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouterTest {

    private static Route to(String name, RouteMatch match, String cluster) {
        return Route.of(name, match, RouteAction.Forward.to(cluster));
    }

    private static RouteMatch path(PathMatcher p) {
        return new RouteMatch(p, true, List.of(), List.of());
    }

    /** Shaped like the sidecar's route configuration "9080" in docs/xds-contract.md. */
    private static final RouteTable SIDECAR_9080 = new RouteTable(
            "9080",
            List.of(
                    VirtualHost.of(
                            "reviews.default.svc.cluster.local:9080",
                            List.of(
                                    "reviews.default.svc.cluster.local",
                                    "reviews.default.svc.cluster.local:9080",
                                    "reviews",
                                    "reviews:9080",
                                    "reviews.default",
                                    "reviews.default:9080",
                                    "reviews.default.svc",
                                    "reviews.default.svc:9080"),
                            to(
                                    "jason",
                                    RouteMatch.prefix("/")
                                            .withHeaders(HeaderMatcher.value("end-user", StringMatch.exact("jason"))),
                                    "outbound|9080|v2|reviews.default.svc.cluster.local"),
                            to("", RouteMatch.prefix("/"), "outbound|9080|v1|reviews.default.svc.cluster.local")),
                    VirtualHost.of(
                            "allow_any", List.of("*"), to("allow_any", RouteMatch.prefix("/"), "PassthroughCluster"))));

    private static final RouteTable DOMAINS = new RouteTable(
            "domains",
            List.of(
                    VirtualHost.of("exact", List.of("api.example.com"), to("", RouteMatch.prefix("/"), "exact")),
                    VirtualHost.of(
                            "suffix-long", List.of("*.api.example.com"), to("", RouteMatch.prefix("/"), "suffix-long")),
                    VirtualHost.of("suffix", List.of("*.example.com"), to("", RouteMatch.prefix("/"), "suffix")),
                    VirtualHost.of("prefix", List.of("api.*"), to("", RouteMatch.prefix("/"), "prefix")),
                    VirtualHost.of("star", List.of("*"), to("", RouteMatch.prefix("/"), "star"))));

    private static final RouteTable GATEWAY_NO_STAR = new RouteTable(
            "http.8080",
            List.of(VirtualHost.of(
                    "httpbin.example.com:8080",
                    List.of("httpbin.example.com", "httpbin.example.com:8080"),
                    to("", RouteMatch.prefix("/status"), "outbound|8000||httpbin.default.svc.cluster.local"),
                    to("", RouteMatch.prefix("/delay"), "outbound|8000||httpbin.default.svc.cluster.local"))));

    private static final RouteTable MATCHERS = new RouteTable(
            "matchers",
            List.of(VirtualHost.of(
                    "all",
                    List.of("*"),
                    to("exact-path", path(new PathMatcher.Exact("/login")), "exact-path"),
                    to("regex", path(new PathMatcher.Regex(Pattern.compile("/api/v[0-9]+/products"))), "regex"),
                    to(
                            "ci-prefix",
                            new RouteMatch(new PathMatcher.Prefix("/CaseLess"), false, List.of(), List.of()),
                            "ci-prefix"),
                    to("segment", path(new PathMatcher.SegmentPrefix("/seg")), "segment"),
                    to(
                            "hdr-prefix",
                            RouteMatch.prefix("/h").withHeaders(HeaderMatcher.value("x-ver", StringMatch.prefix("v2"))),
                            "hdr-prefix"),
                    to(
                            "hdr-suffix",
                            RouteMatch.prefix("/h")
                                    .withHeaders(HeaderMatcher.value("x-ver", StringMatch.suffix("-beta"))),
                            "hdr-suffix"),
                    to(
                            "hdr-contains",
                            RouteMatch.prefix("/h")
                                    .withHeaders(HeaderMatcher.value("x-ver", StringMatch.contains("canary"))),
                            "hdr-contains"),
                    to(
                            "hdr-regex",
                            RouteMatch.prefix("/h")
                                    .withHeaders(HeaderMatcher.value("x-ver", StringMatch.regex("v[0-9]"))),
                            "hdr-regex"),
                    to(
                            "hdr-present",
                            RouteMatch.prefix("/h").withHeaders(HeaderMatcher.present("x-debug", true)),
                            "hdr-present"),
                    to(
                            "hdr-absent",
                            RouteMatch.prefix("/h").withHeaders(HeaderMatcher.present("x-skip", false)),
                            "hdr-absent"),
                    to(
                            "hdr-invert",
                            RouteMatch.prefix("/i")
                                    .withHeaders(HeaderMatcher.value("end-user", StringMatch.exact("jason"))
                                            .inverted()),
                            "hdr-invert"),
                    to(
                            "ignore-case",
                            RouteMatch.prefix("/ic")
                                    .withHeaders(HeaderMatcher.value(
                                            "x-user", new StringMatch(StringMatch.Kind.EXACT, "Jason", null, true))),
                            "ignore-case"),
                    to(
                            "query",
                            new RouteMatch(
                                    new PathMatcher.Prefix("/q"),
                                    true,
                                    List.of(),
                                    List.of(new QueryParameterMatcher("debug", StringMatch.exact("1")))),
                            "query"),
                    to(
                            "query-present",
                            new RouteMatch(
                                    new PathMatcher.Prefix("/q"),
                                    true,
                                    List.of(),
                                    List.of(new QueryParameterMatcher("trace", null))),
                            "query-present"))));

    record Row(String name, RouteTable table, RequestView request, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static RequestView get(String host, String path, String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return new RequestView("GET", host, path, h);
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row(
                        "host with port picks the service",
                        SIDECAR_9080,
                        get("reviews:9080", "/reviews/0"),
                        "outbound|9080|v1|reviews.default.svc.cluster.local"),
                new Row(
                        "short name without port",
                        SIDECAR_9080,
                        get("reviews", "/reviews/0"),
                        "outbound|9080|v1|reviews.default.svc.cluster.local"),
                new Row(
                        "fqdn host, upper case",
                        SIDECAR_9080,
                        get("Reviews.Default.svc.cluster.local:9080", "/"),
                        "outbound|9080|v1|reviews.default.svc.cluster.local"),
                new Row(
                        "jason is routed to v2",
                        SIDECAR_9080,
                        get("reviews:9080", "/reviews/0", "end-user", "jason"),
                        "outbound|9080|v2|reviews.default.svc.cluster.local"),
                new Row(
                        "another user stays on v1",
                        SIDECAR_9080,
                        get("reviews:9080", "/", "end-user", "jasonx"),
                        "outbound|9080|v1|reviews.default.svc.cluster.local"),
                new Row(
                        "unknown host goes to allow_any",
                        SIDECAR_9080,
                        get("example.org:9080", "/"),
                        "PassthroughCluster"),
                new Row("exact domain wins over wildcards", DOMAINS, get("api.example.com", "/"), "exact"),
                new Row("longest suffix wildcard wins", DOMAINS, get("v1.api.example.com", "/"), "suffix-long"),
                new Row("suffix wildcard before prefix wildcard", DOMAINS, get("api.shop.example.com", "/"), "suffix"),
                new Row("suffix wildcard", DOMAINS, get("www.example.com", "/"), "suffix"),
                new Row("prefix wildcard", DOMAINS, get("api.internal", "/"), "prefix"),
                new Row("star catches the rest", DOMAINS, get("other", "/"), "star"),
                new Row(
                        "host with port does not match a portless domain",
                        DOMAINS,
                        get("api.example.com:8080", "/"),
                        "prefix"),
                new Row(
                        "gateway: no virtual host is no route",
                        GATEWAY_NO_STAR,
                        get("other.example.com", "/status/200"),
                        null),
                new Row(
                        "gateway: unexposed path is no route",
                        GATEWAY_NO_STAR,
                        get("httpbin.example.com", "/headers"),
                        null),
                new Row(
                        "gateway: exposed prefix",
                        GATEWAY_NO_STAR,
                        get("httpbin.example.com:8080", "/status/200"),
                        "outbound|8000||httpbin.default.svc.cluster.local"),
                new Row("exact path ignores the query", MATCHERS, get("x", "/login?next=/"), "exact-path"),
                new Row("exact path is not a prefix", MATCHERS, get("x", "/login/again"), null),
                new Row("regex matches the whole path", MATCHERS, get("x", "/api/v1/products?x=1"), "regex"),
                new Row("regex does not match a longer path", MATCHERS, get("x", "/api/v1/products/0"), null),
                new Row("case-insensitive prefix", MATCHERS, get("x", "/caseless/thing"), "ci-prefix"),
                new Row("segment prefix matches the segment", MATCHERS, get("x", "/seg/1"), "segment"),
                new Row("segment prefix does not match a longer segment", MATCHERS, get("x", "/segment"), null),
                new Row("header prefix", MATCHERS, get("x", "/h", "x-ver", "v2.1"), "hdr-prefix"),
                new Row("header suffix", MATCHERS, get("x", "/h", "x-ver", "v3-beta"), "hdr-suffix"),
                new Row("header contains", MATCHERS, get("x", "/h", "x-ver", "a-canary-b"), "hdr-contains"),
                new Row("header regex is a full match", MATCHERS, get("x", "/h", "x-ver", "v7"), "hdr-regex"),
                new Row("header present", MATCHERS, get("x", "/h", "x-ver", "zz", "x-debug", ""), "hdr-present"),
                new Row("header absent", MATCHERS, get("x", "/h", "x-ver", "zz"), "hdr-absent"),
                new Row(
                        "header absent fails when present",
                        MATCHERS,
                        get("x", "/h", "x-ver", "zz", "x-skip", "1"),
                        null),
                new Row("inverted match on another value", MATCHERS, get("x", "/i", "end-user", "mike"), "hdr-invert"),
                new Row("inverted match on the value", MATCHERS, get("x", "/i", "end-user", "jason"), null),
                new Row("inverted match on a missing header does not match (Envoy)", MATCHERS, get("x", "/i"), null),
                new Row("ignore_case string match", MATCHERS, get("x", "/ic", "x-user", "JASON"), "ignore-case"),
                new Row("query parameter value", MATCHERS, get("x", "/q?debug=1"), "query"),
                new Row("query parameter other value", MATCHERS, get("x", "/q?debug=2&trace"), "query-present"),
                new Row("query parameter missing", MATCHERS, get("x", "/q"), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void routesAsEnvoyDoes(Row row) {
        RouteDecision decision = Router.route(row.table(), row.request(), new Random(1));
        if (row.expected() == null) {
            assertThat(decision).isInstanceOf(RouteDecision.NoRoute.class);
        } else {
            assertThat(decision).isInstanceOf(RouteDecision.Forward.class);
            assertThat(((RouteDecision.Forward) decision).cluster()).isEqualTo(row.expected());
        }
    }

    static Stream<Arguments> redirects() {
        return Stream.of(
                Arguments.of(
                        new RouteAction.Redirect(null, "new.example.com", 0, null, null, 301, false),
                        "old.example.com:8080",
                        "/a?b=c",
                        301,
                        "http://new.example.com/a?b=c"),
                Arguments.of(
                        new RouteAction.Redirect(null, "new.example.com", 9090, null, null, 301, false),
                        "old.example.com:8080",
                        "/a",
                        301,
                        "http://new.example.com:9090/a"),
                Arguments.of(
                        new RouteAction.Redirect("https", null, 443, "/login", null, 302, true),
                        "shop",
                        "/cart?x=1",
                        302,
                        // Envoy appends port_redirect as given; Istio leaves a scheme's default port out before.
                        "https://shop:443/login"),
                Arguments.of(
                        new RouteAction.Redirect(null, null, 0, null, "/v2/", 308, false),
                        "api:80",
                        "/v1/items?p=1",
                        308,
                        // The request's Host is kept as sent when neither the scheme nor the port changes.
                        "http://api:80/v2/items?p=1"));
    }

    @ParameterizedTest
    @MethodSource("redirects")
    void redirectsBuildTheLocation(
            RouteAction.Redirect redirect, String host, String path, int status, String location) {
        RouteTable table = new RouteTable(
                "r",
                List.of(VirtualHost.of(
                        "all",
                        List.of("*"),
                        Route.of("r", RouteMatch.prefix("/v1/").withHeaders(), redirect),
                        Route.of("r", RouteMatch.prefix("/"), redirect))));
        RouteDecision d = Router.route(table, get(host, path), new Random(1));
        assertThat(d)
                .isEqualTo(new RouteDecision.Redirect(
                        table.virtualHosts().get(0),
                        table.virtualHosts().get(0).routes().get(path.startsWith("/v1/") ? 0 : 1),
                        status,
                        location));
    }

    @Test
    void directResponseCarriesStatusAndBody() {
        RouteTable table = new RouteTable(
                "d",
                List.of(VirtualHost.of(
                        "all",
                        List.of("*"),
                        Route.of(
                                "teapot",
                                RouteMatch.prefix("/"),
                                new RouteAction.DirectResponse(418, "short and stout")))));
        assertThat(Router.route(table, get("x", "/"), new Random(1)))
                .isInstanceOfSatisfying(RouteDecision.DirectResponse.class, d -> {
                    assertThat(d.status()).isEqualTo(418);
                    assertThat(d.body()).isEqualTo("short and stout");
                });
    }

    private static RouteTable split(int... weights) {
        List<String> names = new java.util.ArrayList<>();
        List<Integer> w = new java.util.ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            names.add("c" + i);
            w.add(weights[i]);
        }
        return new RouteTable(
                "w",
                List.of(VirtualHost.of(
                        "all",
                        List.of("*"),
                        Route.of(
                                "split",
                                RouteMatch.prefix("/"),
                                RouteAction.Forward.weighted(WeightedClusters.of(names, w))))));
    }

    private static List<String> picks(RouteTable table, Random random, int n) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(((RouteDecision.Forward) Router.route(table, get("x", "/"), random)).cluster());
        }
        return out;
    }

    @Test
    void weightedChoiceIsReproducibleWithASeed() {
        RouteTable table = split(50, 50);
        assertThat(picks(table, new Random(42), 200)).isEqualTo(picks(table, new Random(42), 200));
        assertThat(picks(table, new Random(42), 200)).isNotEqualTo(picks(table, new Random(43), 200));
    }

    @Test
    void weightedChoiceFollowsWeightsThatNeedNotSumTo100() {
        RouteTable table = split(3, 1);
        long seed = new java.security.SecureRandom().nextLong();
        List<String> picks = picks(table, new Random(seed), 20_000);
        double share = picks.stream().filter("c0"::equals).count() / 20_000.0;
        assertThat(share).as("seed %d", seed).isCloseTo(0.75, within(0.02));
    }

    @Test
    void zeroWeightClusterIsNeverPicked() {
        assertThat(picks(split(0, 10), new Random(7), 1000)).containsOnly("c1");
    }
}
