package dev.meshbox.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rows read from Envoy's {@code newPath} and {@code processRequestHost}. */
class RedirectLocationTest {

    private static RouteAction.Redirect redirect(String scheme, String host, int port, String path, String prefix) {
        return new RouteAction.Redirect(scheme, host, port, path, prefix, 301, false);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                // name, redirect, match, Host, :path, Location
                Arguments.of(
                        "the request's Host keeps its port",
                        redirect(null, null, 0, "/new", null),
                        RouteMatch.prefix("/"),
                        "shop:8080",
                        "/old",
                        "http://shop:8080/new"),
                Arguments.of(
                        "the request's query string follows path_redirect",
                        redirect(null, null, 0, "/new", null),
                        RouteMatch.prefix("/"),
                        "shop",
                        "/old?a=1",
                        "http://shop/new?a=1"),
                Arguments.of(
                        "path_redirect with a query string of its own wins",
                        redirect(null, null, 0, "/new?b=2", null),
                        RouteMatch.prefix("/"),
                        "shop",
                        "/old?a=1",
                        "http://shop/new?b=2"),
                Arguments.of(
                        "host_redirect drops the request's port",
                        redirect(null, "other.example.com", 0, null, null),
                        RouteMatch.prefix("/"),
                        "shop:8080",
                        "/p",
                        "http://other.example.com/p"),
                Arguments.of(
                        "port_redirect replaces the request's port",
                        redirect(null, null, 9090, null, null),
                        RouteMatch.prefix("/"),
                        "shop:8080",
                        "/p",
                        "http://shop:9090/p"),
                Arguments.of(
                        "a scheme change drops the old scheme's default port",
                        redirect("https", null, 0, null, null),
                        RouteMatch.prefix("/"),
                        "shop:80",
                        "/p",
                        "https://shop/p"),
                Arguments.of(
                        "a scheme change keeps another port",
                        redirect("https", null, 0, null, null),
                        RouteMatch.prefix("/"),
                        "shop:8080",
                        "/p",
                        "https://shop:8080/p"),
                Arguments.of(
                        "prefix_rewrite replaces the matched prefix and keeps the query",
                        redirect(null, null, 0, null, "/v2/"),
                        RouteMatch.prefix("/v1/"),
                        "api",
                        "/v1/items?p=1",
                        "http://api/v2/items?p=1"),
                Arguments.of(
                        "prefix_rewrite after an exact match replaces the whole path",
                        redirect(null, null, 0, null, "/to"),
                        new RouteMatch(new PathMatcher.Exact("/from"), true, List.of(), List.of()),
                        "api",
                        "/from?x=1",
                        "http://api/to?x=1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void locationIsBuiltAsEnvoyBuildsIt(
            String name, RouteAction.Redirect r, RouteMatch match, String host, String path, String location) {
        assertThat(RedirectLocation.of(r, match, RequestView.get(host, path))).isEqualTo(location);
    }

    @ParameterizedTest(name = "strip_query on {0}")
    @MethodSource("stripRows")
    void stripQueryDropsTheRequestsQueryButNotTheRedirectsOwn(String path, String location) {
        RouteAction.Redirect r = new RouteAction.Redirect(null, null, 0, path, null, 302, true);
        assertThat(RedirectLocation.of(r, RouteMatch.prefix("/"), RequestView.get("shop", "/old?a=1")))
                .isEqualTo(location);
    }

    static Stream<Arguments> stripRows() {
        return Stream.of(Arguments.of("/new", "http://shop/new"), Arguments.of("/new?b=2", "http://shop/new?b=2"));
    }

    @ParameterizedTest(name = "x-forwarded-proto {0}")
    @MethodSource("forwardedRows")
    void theDefaultPortIsJudgedByXForwardedProto(String proto, String location) {
        RequestView request = new RequestView("GET", "shop:443", "/p", Map.of("x-forwarded-proto", proto));
        assertThat(RedirectLocation.of(redirect("http", null, 0, null, null), RouteMatch.prefix("/"), request))
                .isEqualTo(location);
    }

    static Stream<Arguments> forwardedRows() {
        return Stream.of(Arguments.of("https", "http://shop/p"), Arguments.of("http", "http://shop:443/p"));
    }
}
