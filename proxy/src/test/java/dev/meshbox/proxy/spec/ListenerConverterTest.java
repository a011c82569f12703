package dev.meshbox.proxy.spec;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
        HcmSpec hcm = spec.firstHcm();
        assertThat(List.of(hcm.statPrefix(), hcm.rdsName())).containsExactly("outbound_0.0.0.0_9080", "9080");
        assertThat(hcm.useRemoteAddress()).isFalse();
        assertThat(hcm.httpFilters())
                .extracting(HttpFilterSpec::name)
                .containsExactly(
                        "istio.metadata_exchange",
                        "envoy.filters.http.grpc_stats",
                        "istio.alpn",
                        "envoy.filters.http.fault",
                        "envoy.filters.http.cors",
                        "istio.stats",
                        "envoy.filters.http.router");
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
}
