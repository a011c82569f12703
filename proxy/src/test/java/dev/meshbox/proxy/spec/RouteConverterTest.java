package dev.meshbox.proxy.spec;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.RetryPolicy;
import dev.meshbox.proxy.route.RouteTable;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteConverterTest {

    private static dev.meshbox.proxy.route.RouteAction.Forward forwardOf(
            io.envoyproxy.envoy.config.route.v3.Route route) {
        RouteTable table = RouteConverter.convert(routeConfig("9080", service("reviews", "default", 9080, route)));
        return (dev.meshbox.proxy.route.RouteAction.Forward)
                table.virtualHosts().get(0).routes().get(0).action();
    }

    @Test
    void aRouteWithAFaultKeepsItsRetriesAndTimeoutAsEnvoyDoes() {
        HTTPFault delay = HTTPFault.newBuilder()
                .setDelay(FaultDelay.newBuilder()
                        .setFixedDelay(com.google.protobuf.Duration.newBuilder().setSeconds(7))
                        .setPercentage(FractionalPercent.newBuilder().setNumerator(100)))
                .build();
        dev.meshbox.proxy.route.RouteAction.Forward f = forwardOf(withFault(
                route(
                        "r",
                        prefix("/"),
                        cluster("c")
                                .setTimeout(com.google.protobuf.Duration.newBuilder()
                                        .setSeconds(3))),
                delay));
        // The fault filter and the router are independent in Envoy; a control plane that wants neither sends neither.
        assertThat(f.retry().numRetries()).isEqualTo(2);
        assertThat(f.timeout()).hasSeconds(3);
    }

    @ParameterizedTest
    @MethodSource("retryOnRows")
    void retryOnConditionsMeanWhatEnvoySays(
            String retryOn, int status, boolean retriesStatus, boolean connectFailure, boolean reset) {
        RetryPolicy p = RouteConverter.retry(
                io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                        .setRetryOn(retryOn)
                        .build(),
                "r");
        assertThat(p.retriesStatus(status)).isEqualTo(retriesStatus);
        assertThat(p.retriesConnectFailure()).isEqualTo(connectFailure);
        assertThat(p.retriesReset()).isEqualTo(reset);
    }

    static Stream<Arguments> retryOnRows() {
        return Stream.of(
                Arguments.of(
                        "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
                        503,
                        false,
                        true,
                        false),
                Arguments.of("5xx", 500, true, true, true),
                Arguments.of("gateway-error", 500, false, true, true),
                Arguments.of("gateway-error", 504, true, true, true),
                Arguments.of("retriable-4xx", 409, true, false, false),
                Arguments.of("retriable-4xx", 404, false, false, false),
                Arguments.of("reset", 503, false, true, true),
                Arguments.of("unavailable,cancelled", 503, false, false, false));
    }

    @Test
    void istioDefaultsBecomeNoTimeoutAndTwoRetriesOnConnectFailure() {
        dev.meshbox.proxy.route.RouteAction.Forward f = forwardOf(route("r", prefix("/"), cluster("c")));
        assertThat(f.timeout()).isZero();
        assertThat(f.retry().numRetries()).isEqualTo(2);
        assertThat(f.retry().retriesConnectFailure()).isTrue();
        assertThat(f.retry().retriesStatus(503)).isFalse();
        assertThat(f.retry().avoidPreviousHosts()).isTrue();
        assertThat(f.retry().hostSelectionMaxAttempts()).isEqualTo(5);
    }

    @Test
    void aRouteWithoutTimeoutGetsEnvoysFifteenSeconds() {
        var proto = route("r", prefix("/"), cluster("c")).toBuilder();
        proto.getRouteBuilder().clearTimeout();
        assertThat(forwardOf(proto.build()).timeout()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void faultPercentagesAreKeptPerMillion() {
        var r = withFault(
                route("r", prefix("/"), cluster("c")),
                HTTPFault.newBuilder()
                        .setDelay(FaultDelay.newBuilder()
                                .setFixedDelay(com.google.protobuf.Duration.newBuilder()
                                        .setSeconds(7))
                                .setPercentage(FractionalPercent.newBuilder().setNumerator(100)))
                        .setAbort(FaultAbort.newBuilder()
                                .setHttpStatus(500)
                                .setPercentage(FractionalPercent.newBuilder()
                                        .setNumerator(500_000)
                                        .setDenominator(FractionalPercent.DenominatorType.MILLION)))
                        .build());
        RouteTable table = RouteConverter.convert(routeConfig("9080", service("ratings", "default", 9080, r)));
        FilterConfig fault = table.virtualHosts().get(0).routes().get(0).filterConfig(FaultFilterType.NAME);
        assertThat(fault).isEqualTo(new FaultPolicy(Duration.ofSeconds(7), 1_000_000, 500, 500_000));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "bad path regex",
                        route(
                                "r",
                                RouteMatch.newBuilder()
                                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/a[")),
                                cluster("c")),
                        "routes[0].match.safe_regex.regex: invalid regular expression '/a['"),
                Arguments.of(
                        "no cluster",
                        route("r", prefix("/"), RouteAction.newBuilder()),
                        "routes[0].route: cluster specifier CLUSTERSPECIFIER_NOT_SET is not supported"),
                Arguments.of(
                        "all weights zero",
                        route(
                                "r",
                                prefix("/"),
                                RouteAction.newBuilder()
                                        .setWeightedClusters(WeightedCluster.newBuilder()
                                                .addClusters(WeightedCluster.ClusterWeight.newBuilder()
                                                        .setName("a")
                                                        .setWeight(UInt32Value.of(0))))),
                        "total weight must be > 0"),
                Arguments.of(
                        "no path specifier",
                        route("r", RouteMatch.newBuilder(), cluster("c")),
                        "routes[0].match: path specifier PATHSPECIFIER_NOT_SET is not supported"),
                // Netty would refuse these while writing the answer, after the upstream had answered; Envoy NACKs them.
                Arguments.of(
                        "line break in a response header value",
                        route("r", prefix("/"), cluster("c")).toBuilder()
                                .addResponseHeadersToAdd(headerOption("x-note", "a\r\nset-cookie: b"))
                                .build(),
                        "routes[0].response_headers_to_add[0].header.value: character U+000D at index 1 is not allowed"),
                Arguments.of(
                        "space in a request header name",
                        route("r", prefix("/"), cluster("c")).toBuilder()
                                .addRequestHeadersToAdd(headerOption("x note", "v"))
                                .build(),
                        "routes[0].request_headers_to_add[0].header.key: 'x note' is not a header name (character ' ' at index 1)"));
    }

    private static HeaderValueOption headerOption(String name, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .build();
    }

    @Test
    void aTabInAHeaderValueIsKept() {
        var route = route("r", prefix("/"), cluster("c")).toBuilder()
                .addResponseHeadersToAdd(headerOption("x-note", "a\tb"))
                .build();
        RouteTable table = RouteConverter.convert(routeConfig("9080", service("reviews", "default", 9080, route)));
        assertThat(table.virtualHosts()
                        .get(0)
                        .routes()
                        .get(0)
                        .headers()
                        .responseAdd()
                        .get(0)
                        .value())
                .isEqualTo("a\tb");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidRoutesAreRejectedWithTheFieldNamed(
            String name, io.envoyproxy.envoy.config.route.v3.Route route, String message) {
        assertThatThrownBy(
                        () -> RouteConverter.convert(routeConfig("9080", service("reviews", "default", 9080, route))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route_config 9080: virtual_hosts[0] (reviews.default.svc.cluster.local:9080)")
                .hasMessageContaining(message);
    }

    @Test
    void aRegexRewriteIsCompiledAndABadOneIsRefused() {
        var good = cluster("c")
                .setRegexRewrite(io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex("^/a/(.*)$"))
                        .setSubstitution("/b/\\1"));
        dev.meshbox.proxy.route.RouteAction.Forward f = forwardOf(route("r", prefix("/"), good));
        assertThat(f.regexRewrite().apply("/a/x")).isEqualTo("/b/x");
        var badGroup = cluster("c")
                .setRegexRewrite(io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex("^/a/(.*)$"))
                        .setSubstitution("/b/\\2"));
        assertThatThrownBy(() -> forwardOf(route("r", prefix("/"), badGroup)))
                .hasMessageContaining("routes[0].route.regex_rewrite.substitution")
                .hasMessageContaining("names group \\2");
        var both = good.clone().setPrefixRewrite("/x");
        assertThatThrownBy(() -> forwardOf(route("r", prefix("/"), both)))
                .hasMessageContaining("only one of prefix_rewrite and regex_rewrite");
    }

    @Test
    void aWeightedClusterKeepsItsHostRewrite() {
        var action = RouteAction.newBuilder()
                .setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder()
                                .setName("a")
                                .setWeight(UInt32Value.of(1))
                                .setHostRewriteLiteral("a.example"))
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder()
                                .setName("b")
                                .setWeight(UInt32Value.of(1))));
        dev.meshbox.proxy.route.RouteAction.Forward f = forwardOf(route("r", prefix("/"), action));
        assertThat(f.weighted().hostRewriteOf("a")).isEqualTo("a.example");
        assertThat(f.weighted().hostRewriteOf("b")).isNull();
    }
}
