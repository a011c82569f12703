package dev.meshbox.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The SDS secrets a proxy's listeners and clusters name in their TLS transport sockets: what it subscribes to, as
 * Envoy asks for a secret once a TLS context refers to it. A proxy that needs none asks for none and ACKs none.
 */
final class SdsReferences {

    private SdsReferences() {}

    static Set<String> names(List<Listener> listeners, List<Cluster> clusters) {
        Set<String> names = new TreeSet<>();
        for (Listener l : listeners) {
            for (FilterChain chain : l.getFilterChainsList()) {
                if (chain.hasTransportSocket()) {
                    add(chain.getTransportSocket(), names);
                }
            }
        }
        for (Cluster c : clusters) {
            if (c.hasTransportSocket()) {
                add(c.getTransportSocket(), names);
            }
            for (Cluster.TransportSocketMatch m : c.getTransportSocketMatchesList()) {
                add(m.getTransportSocket(), names);
            }
        }
        return names;
    }

    private static void add(TransportSocket socket, Set<String> names) {
        Any config = socket.getTypedConfig();
        try {
            if (config.is(UpstreamTlsContext.class)) {
                add(config.unpack(UpstreamTlsContext.class).getCommonTlsContext(), names);
            } else if (config.is(DownstreamTlsContext.class)) {
                add(config.unpack(DownstreamTlsContext.class).getCommonTlsContext(), names);
            }
        } catch (InvalidProtocolBufferException e) {
            // Not readable: the proxy NACKs the resource itself and asks for nothing of it.
        }
    }

    private static void add(CommonTlsContext tls, Set<String> names) {
        tls.getTlsCertificateSdsSecretConfigsList().stream()
                .map(SdsSecretConfig::getName)
                .forEach(names::add);
        if (tls.hasValidationContextSdsSecretConfig()) {
            names.add(tls.getValidationContextSdsSecretConfig().getName());
        }
        if (tls.hasCombinedValidationContext()
                && tls.getCombinedValidationContext().hasValidationContextSdsSecretConfig()) {
            names.add(tls.getCombinedValidationContext()
                    .getValidationContextSdsSecretConfig()
                    .getName());
        }
    }
}
