package dev.meshbox.proxy.listener;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenerConverterTest {

    @Test
    void virtualOutboundHandsOffByDestinationPortOn15001() {
        ListenerSpec spec = ListenerConverter.convert(virtualOutbound());
        assertThat(spec.boundPorts()).containsExactly(15001);
        assertThat(spec.handsOffByDestinationPort()).isTrue();
        assertThat(spec.chains().get(0).tcpProxyCluster()).isEqualTo("PassthroughCluster");
    }

    @Test
    void portListenerIsVirtualWithRdsAndTheFaultFilter() {
        ListenerSpec spec = ListenerConverter.convert(outboundPort(9080));
        assertThat(spec.bindToPort()).isFalse();
        assertThat(spec.boundPorts()).isEmpty();
        assertThat(spec.firstHcm()).isEqualTo(new HcmSpec("outbound_0.0.0.0_9080", "9080", null, true, false));
    }

    @Test
    void virtualInboundBindsEachDestinationPortAndPicksTheChainByLocalPort() {
        ListenerSpec spec = ListenerConverter.convert(virtualInbound(9080, 9081));
        assertThat(spec.boundPorts()).isEqualTo(Set.of(15006, 9080, 9081));
        assertThat(spec.handsOffByDestinationPort()).isFalse();
        assertThat(spec.direction()).isEqualTo(ListenerSpec.Direction.INBOUND);
        assertThat(spec.chainFor(9081).hcm().inlineRoutes().name()).isEqualTo("inbound|9081||");
        assertThat(spec.chainFor(15006)).isNull();
    }

    @Test
    void gatewayListenerIsBoundAndTrustsTheRemoteAddress() {
        ListenerSpec spec = ListenerConverter.convert(gateway(8080));
        assertThat(spec.boundPorts()).containsExactly(8080);
        assertThat(spec.firstHcm().rdsName()).isEqualTo("http.8080");
        assertThat(spec.firstHcm().useRemoteAddress()).isTrue();
    }

    @Test
    void connectionManagerWithoutRoutesIsRejected() {
        Listener bad = Listener.newBuilder(outboundPort(9080))
                .clearFilterChains()
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder()
                                .setName(ListenerConverter.HCM_FILTER)
                                .setTypedConfig(Any.pack(HttpConnectionManager.newBuilder()
                                        .setStatPrefix("x")
                                        .build()))))
                .build();
        assertThatThrownBy(() -> ListenerConverter.convert(bad))
                .hasMessage(
                        "listener 0.0.0.0_9080.filter_chains[0].filters[0] (envoy.filters.network.http_connection_manager)"
                                + ".typed_config: one of rds or route_config is required");
    }

    @ParameterizedTest(name = "{0} host={1} -> {2}")
    @CsvSource(
            nullValues = "null",
            value = {
                "null, reviews:9080, 9080",
                "null, reviews, 80",
                "null, null, 80",
                "null, [::1]:8443, 8443",
                "null, [::1], 80",
                "9081, reviews:9080, 9081",
                "null, reviews:notaport, 80"
            })
    void destinationPortComesFromTheUriThenHostThen80(String absolutePort, String host, int expected) {
        assertThat(DownstreamHandler.destinationPort(absolutePort, host)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "null",
            value = {
                "http://reviews:9080/reviews/0?x=1, /reviews/0?x=1, reviews:9080, 9080",
                "http://reviews/, /, reviews, 80",
                "HTTP://details:9080, /, details:9080, 9080",
                "/origin/form, /origin/form, original, null"
            })
    void absoluteFormBecomesOriginFormWithItsAuthorityAsHost(String uri, String path, String host, String port) {
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set("host", "original");
        assertThat(DownstreamHandler.toOriginForm(request)).isEqualTo(port);
        assertThat(List.of(request.uri(), request.headers().get("host"))).containsExactly(path, host);
    }
}
