package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * Istio mTLS into a gateway's plaintext HTTP port. A sidecar routed to a gateway (Istio's egress gateway task:
 * {@code istio-egressgateway ... subset cnn}) uses auto mTLS toward it, since the gateway pod is labelled
 * {@code security.istio.io/tlsMode: istio} as Istio's gateway injection template labels it; the gateway then
 * terminates that hop with its own workload certificate (SPIFFE ID of its service account) and the client's
 * certificate required, while clients outside the mesh keep speaking plaintext to the same port.
 */
final class GatewayMtls {

    private GatewayMtls() {}

    /** The listener with a chain for Istio mTLS (TLS, Istio's ALPNs) ahead of its plaintext one. */
    static Listener withMeshChain(Listener plain) {
        FilterChain chain = plain.getFilterChains(0);
        HttpConnectionManager hcm;
        try {
            hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return plain; // not a connection manager: left as it is
        }
        HttpConnectionManager mtlsHcm = hcm.toBuilder()
                .setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET)
                .setSetCurrentClientCertDetails(HttpConnectionManager.SetCurrentClientCertDetails.newBuilder()
                        .setSubject(BoolValue.of(true))
                        .setUri(true)
                        .setDns(true))
                .build();
        FilterChain mtls = FilterChain.newBuilder()
                .setName(plain.getName() + "_mtls")
                .setFilterChainMatch(FilterChainMatch.newBuilder()
                        .setTransportProtocol("tls")
                        .addAllApplicationProtocols(MutualTls.ISTIO_ALPNS))
                .setTransportSocket(MutualTls.downstreamTls())
                .addFilters(Filter.newBuilder().setName(Names.HCM).setTypedConfig(Any.pack(mtlsHcm)))
                .build();
        FilterChain raw = chain.toBuilder()
                .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer"))
                .build();
        return plain.toBuilder()
                .clearFilterChains()
                .addFilterChains(mtls)
                .addFilterChains(raw)
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.tls_inspector")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3
                                .TlsInspector.getDefaultInstance())))
                .build();
    }
}
