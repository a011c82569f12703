package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.FilterStateKey;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.spec.AlpnFilterType;
import java.util.List;

/**
 * {@code istio.alpn}: leaves in the request's filter state the ALPN list an upstream TLS connection offers for this
 * request (the list configured for HTTP/1.1, MeshBox's upstream protocol), as Envoy's filter sets
 * {@code envoy.network.application_protocols}. Plaintext upstream connections have no ALPN, so the list only matters
 * where the upstream connection uses TLS.
 */
public final class AlpnFilter implements HttpFilter {

    /** The ALPN list the upstream connection should offer. */
    @SuppressWarnings("unchecked")
    public static final FilterStateKey<List<String>> UPSTREAM_ALPN =
            new FilterStateKey<>("envoy.network.application_protocols", (Class<List<String>>) (Class<?>) List.class);

    private final String name;
    private final List<String> http11;

    public AlpnFilter(String name, AlpnFilterType.Config config) {
        this.name = name;
        this.http11 = config.alpnByProtocol().getOrDefault("HTTP11", List.of());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        if (!http11.isEmpty()) {
            exchange.filterState(UPSTREAM_ALPN, http11);
        }
        return Status.CONTINUE;
    }
}
