package dev.meshbox.proxy.spec;

import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.httpFilters;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.StringValue;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.HttpFilterChain;
import dev.meshbox.proxy.route.CorsPolicy;
import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.Route;
import dev.meshbox.proxy.route.RouteTable;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.Builder;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP filter registry: Istio's filter lists, unknown and optional filters, the router's place, per-route configs. */
class HttpFilterTypesTest {

    private static final HttpFilterTypes TYPES = HttpFilterTypes.builtIn();
    private static final String WHERE = "listener l.filter_chains[0].filters[0]";

    private static io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter unknown(
            boolean optional) {
        Builder f = io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
                .setName("envoy.filters.http.lua")
                .setTypedConfig(Any.pack(StringValue.of("print('hi')")))
                .setIsOptional(optional);
        return f.build();
    }

    @Test
    void istiosOutboundAndInboundListsParseInOrderWithTheirConfigs() {
        List<HttpFilterSpec> outbound = TYPES.parseChain(httpFilters(false), WHERE);
        assertThat(outbound)
                .extracting(HttpFilterSpec::name)
                .containsExactly(
                        MetadataExchangeFilterType.NAME,
                        GrpcStatsFilterType.NAME,
                        AlpnFilterType.NAME,
                        FaultFilterType.NAME,
                        CorsFilterType.NAME,
                        IstioStatsFilterType.NAME,
                        RouterFilterType.NAME);
        assertThat(outbound.get(0).config()).isEqualTo(MetadataExchangeFilterType.Config.OUTBOUND);
        assertThat(((AlpnFilterType.Config) outbound.get(2).config()).alpnByProtocol())
                .containsEntry("HTTP11", List.of("istio-http/1.1", "istio", "http/1.1"))
                .containsEntry("HTTP2", List.of("istio-h2", "istio", "h2"));
        assertThat(outbound.get(3).config()).isEqualTo(FaultPolicy.NONE);

        List<HttpFilterSpec> inbound = TYPES.parseChain(httpFilters(true), WHERE);
        assertThat(inbound).extracting(HttpFilterSpec::name).doesNotContain(AlpnFilterType.NAME);
        assertThat(inbound.get(0).config()).isEqualTo(MetadataExchangeFilterType.Config.INBOUND);
    }

    @Test
    void anUnknownRequiredFilterIsRefusedNamingItsNameAndType() {
        var filters = new ArrayList<>(httpFilters(false));
        filters.add(3, unknown(false));
        assertThatThrownBy(() -> TYPES.parseChain(filters, WHERE))
                .hasMessageStartingWith(WHERE + ".http_filters[3] (envoy.filters.http.lua).typed_config: unknown HTTP "
                        + "filter type type.googleapis.com/google.protobuf.StringValue (the filter is not marked "
                        + "is_optional");
    }

    @Test
    void anUnknownOptionalFilterIsSkipped() {
        var filters = new ArrayList<>(httpFilters(false));
        filters.add(3, unknown(true));
        assertThat(TYPES.parseChain(filters, WHERE))
                .extracting(HttpFilterSpec::name)
                .doesNotContain("envoy.filters.http.lua")
                .hasSize(7);
    }

    @Test
    void theRouterMustBeLastAndPresent() {
        var filters = new ArrayList<>(httpFilters(false));
        var router = filters.remove(filters.size() - 1);
        assertThatThrownBy(() -> TYPES.parseChain(filters, WHERE))
                .hasMessage(WHERE + ".http_filters: the last filter must be a terminal filter such as "
                        + "envoy.filters.http.router, got istio.stats");
        filters.add(0, router);
        assertThatThrownBy(() -> TYPES.parseChain(filters, WHERE))
                .hasMessage(WHERE + ".http_filters[1] (istio.metadata_exchange): comes after the terminal filter "
                        + "envoy.filters.http.router");
    }

    @Test
    void aFilterDisabledInTheListRunsOnlyForRoutesThatConfigureIt() {
        HttpFilter fault = new HttpFilter() {
            @Override
            public String name() {
                return FaultFilterType.NAME;
            }
        };
        HttpFilterChain chain = new HttpFilterChain(List.of(new HttpFilterChain.Entry(fault, true)));
        Route plain = Route.of(
                "plain",
                dev.meshbox.proxy.route.RouteMatch.prefix("/"),
                dev.meshbox.proxy.route.RouteAction.Forward.to("c"));
        assertThat(chain.enabledFor(0, plain)).isFalse();
        assertThat(chain.enabledFor(0, plain.withFilterConfig(FaultFilterType.NAME, FaultPolicy.NONE)))
                .isTrue();
        HttpFilterChain on = new HttpFilterChain(List.of(new HttpFilterChain.Entry(fault, false)));
        assertThat(on.enabledFor(0, plain.withFilterConfig(FaultFilterType.NAME, FilterConfig.DISABLED)))
                .isFalse();
    }

    private static HTTPFault abort(int status) {
        return HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder()
                        .setHttpStatus(status)
                        .setPercentage(FractionalPercent.newBuilder().setNumerator(100)))
                .build();
    }

    @Test
    void aRoutesConfigOverridesItsVirtualHostsAndCorsPoliciesMergeFieldByField() {
        io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy hostCors =
                io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder()
                        .addAllowOriginStringMatch(StringMatcher.newBuilder().setExact("https://a.test"))
                        .setMaxAge("60")
                        .build();
        io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy routeCors =
                io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder()
                        .setAllowMethods("GET")
                        .setAllowCredentials(BoolValue.of(true))
                        .build();
        var withOwn = route("own", prefix("/own"), cluster("c")).toBuilder()
                .putTypedPerFilterConfig(FaultFilterType.NAME, Any.pack(abort(418)))
                .putTypedPerFilterConfig(CorsFilterType.NAME, Any.pack(routeCors))
                .build();
        var inherits = route("inherits", prefix("/"), cluster("c"));
        VirtualHost host = VirtualHost.newBuilder()
                .setName("h")
                .addDomains("*")
                .addRoutes(withOwn)
                .addRoutes(inherits)
                .putTypedPerFilterConfig(FaultFilterType.NAME, Any.pack(abort(503)))
                .putTypedPerFilterConfig(CorsFilterType.NAME, Any.pack(hostCors))
                .build();
        RouteTable table = RouteConverter.convert(routeConfig("rc", host));
        List<Route> routes = table.virtualHosts().get(0).routes();

        assertThat(((FaultPolicy) routes.get(0).filterConfig(FaultFilterType.NAME)).abortStatus())
                .isEqualTo(418);
        assertThat(((FaultPolicy) routes.get(1).filterConfig(FaultFilterType.NAME)).abortStatus())
                .isEqualTo(503);
        CorsPolicy merged = (CorsPolicy) routes.get(0).filterConfig(CorsFilterType.NAME);
        assertThat(merged.allowMethods()).isEqualTo("GET");
        assertThat(merged.credentialsAllowed()).isTrue();
        assertThat(merged.maxAge()).as("from the virtual host").isEqualTo("60");
        assertThat(merged.allowsOrigin("https://a.test")).isTrue();
    }

    @Test
    void aPerRouteConfigOfAnUnknownTypeIsRefusedUnlessWrappedAsOptional() {
        var bad = route("r", prefix("/"), cluster("c")).toBuilder()
                .putTypedPerFilterConfig("envoy.filters.http.lua", Any.pack(StringValue.of("x")))
                .build();
        assertThatThrownBy(() -> RouteConverter.convert(routeConfig(
                        "rc",
                        VirtualHost.newBuilder()
                                .setName("h")
                                .addDomains("*")
                                .addRoutes(bad)
                                .build())))
                .hasMessageContaining("routes[0].typed_per_filter_config[envoy.filters.http.lua]: no HTTP filter "
                        + "takes a per-route config of type type.googleapis.com/google.protobuf.StringValue");

        var optional = route("r", prefix("/"), cluster("c")).toBuilder()
                .putTypedPerFilterConfig(
                        "envoy.filters.http.lua",
                        Any.pack(io.envoyproxy.envoy.config.route.v3.FilterConfig.newBuilder()
                                .setConfig(Any.pack(StringValue.of("x")))
                                .setIsOptional(true)
                                .build()))
                .build();
        RouteTable table = RouteConverter.convert(routeConfig(
                "rc",
                VirtualHost.newBuilder()
                        .setName("h")
                        .addDomains("*")
                        .addRoutes(optional)
                        .build()));
        assertThat(table.virtualHosts().get(0).routes().get(0).filterConfigs()).isEqualTo(Map.of());
    }
}
