package dev.meshbox.proxy.spec;

import java.util.Map;

/**
 * One of a cluster's {@code transport_socket_matches}: endpoints whose {@code envoy.transport_socket_match} metadata
 * holds every entry of {@code match} connect with {@code tls} (null: {@code raw_buffer}, plaintext).
 */
public record TransportSocketSpec(String name, Map<String, String> match, UpstreamTlsSpec tls) {

    public TransportSocketSpec {
        match = Map.copyOf(match);
    }
}
